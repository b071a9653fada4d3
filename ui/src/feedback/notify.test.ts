// Passing notes rise from the bottom, clear of the header's pending-changes counter, and every
// one goes through the one helper that keeps that rule.
import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { notify } from './notify'

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return sources(p)
    return /\.(vue|ts)$/.test(name) && !name.endsWith('.test.ts') ? [p] : []
  })
}

describe('notify', () => {
  it('shows a note at the bottom of the window', async () => {
    notify.success('已保存')
    await new Promise((r) => setTimeout(r, 0))
    const note = document.querySelector<HTMLElement>('.el-message')
    expect(note?.textContent).toContain('已保存')
    expect(note!.style.bottom).not.toBe('')
    expect(note!.style.top).toBe('')
  })

  it('is the only place that raises a toast', () => {
    const root = join(__dirname, '..')
    const raising = sources(root).filter((p) => /\bEl(Message|Notification)\b(?!Box)/.test(readFileSync(p, 'utf8')))
    expect(raising.map((p) => p.slice(root.length + 1))).toEqual(['feedback/notify.ts'])
  })
})
