import { describe, expect, it } from 'vitest'
import { IMPORT_FIELDS, importPercent, mappingFor } from './importForm'

describe('the import form helpers', () => {
  it('send only known fields or ignore as overrides', () => {
    expect(mappingFor({ C: 'id_number', D: 'ignore', E: 'nonsense', '': 'name' })).toEqual({ C: 'id_number', D: 'ignore' })
    expect(IMPORT_FIELDS).toContain('head_name')
  })

  it('give one percentage over reading, checking and writing', () => {
    expect(importPercent({ stage: 'reading', done: 0, total: 0 })).toBe(0)
    expect(importPercent({ stage: 'checking', done: 50, total: 100 })).toBe(50)
    expect(importPercent({ stage: 'writing', done: 100, total: 100 })).toBe(100)
    expect(importPercent({ stage: 'writing', done: 500, total: 100 })).toBe(100)
    expect(importPercent({ stage: 'done', done: 0, total: 0 })).toBe(100)
  })
})
