// Every Element Plus tag a view uses is registered: an unregistered one is not an error in Vue,
// it renders as an unknown element and the component is silently missing from the screen.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { registeredTags } from './element'

function views(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return views(p)
    return name.endsWith('.vue') ? [p] : []
  })
}

describe('Element Plus registration', () => {
  it('names each registered component by its tag', () => {
    const tags = registeredTags()
    expect(tags.has('el-button')).toBe(true)
    expect(tags.has('el-table-column')).toBe(true)
    expect(tags.has('')).toBe(false)
  })

  it('registers every el- tag the views use', () => {
    const registered = registeredTags()
    const src = join(__dirname, '..')
    const missing: string[] = []
    for (const file of views(src)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/<(el-[a-z][a-z-]*)/g)) {
        if (!registered.has(m[1])) missing.push(`${m[1]} in ${file.slice(src.length)}`)
      }
    }
    expect(missing, 'add these to COMPONENTS in src/plugins/element.ts').toEqual([])
  })
})
