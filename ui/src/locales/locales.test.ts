// Every string the UI shows lives in the locale files: both languages have the same keys, and
// every key the code asks for exists.
import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import zh from './zh-CN.json'
import en from './en.json'
import { RECORDED_GROUPS, RELATIONS, TERMINATION_REASONS } from '../api/types'

function keys(o: unknown, prefix = ''): string[] {
  if (o && typeof o === 'object') return Object.entries(o).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
  return [prefix]
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return sources(p)
    return /\.(vue|ts)$/.test(name) && !name.endsWith('.test.ts') ? [p] : []
  })
}

const zhKeys = new Set(keys(zh))

describe('locale files', () => {
  it('have the same keys in Chinese and English', () => {
    expect(keys(en).sort()).toEqual([...zhKeys].sort())
  })

  it('contain every literal key the code uses', () => {
    const root = join(__dirname, '..')
    const missing: string[] = []
    for (const file of sources(root)) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) if (!zhKeys.has(m[1])) missing.push(`${file}: ${m[1]}`)
      for (const m of text.matchAll(/\bkey: '([a-zA-Z0-9_.]+)'/g)) if (!zhKeys.has(m[1])) missing.push(`${file}: ${m[1]}`)
    }
    expect(missing).toEqual([])
  })

  it('name every code the backend sends', () => {
    const wanted = [
      ...[...RECORDED_GROUPS, 'elderly_65', 'child_0_to_6', 'general'].map((g) => `group.${g}`),
      ...RELATIONS.map((r) => `relation.${r}`),
      ...TERMINATION_REASONS.map((r) => `change.reasons.${r}`),
      ...['not_started', 'active', 'renewed', 'terminated', 'expired'].map((s) => `status.${s}`),
      ...['leader', 'family_doctor', 'nurse', 'public_health'].map((r) => `role.${r}`),
      ...['same_id_number', 'same_name_and_birth_date'].map((r) => `register.dupKind.${r}`),
    ]
    expect(wanted.filter((k) => !zhKeys.has(k))).toEqual([])
  })

  it('have no empty texts', () => {
    const empty = [zh, en].flatMap((o) => keys(o).filter((k) => k.split('.').reduce<any>((x, p) => x[p], o) === ''))
    expect(empty).toEqual([])
  })
})
