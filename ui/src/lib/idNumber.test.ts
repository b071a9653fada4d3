import { describe, expect, it } from 'vitest'
import { ageOn, checkCharacter, parseIdNumber } from './idNumber'

const TODAY = '2026-11-23'

describe('parseIdNumber', () => {
  it('reads birth date and sex from a valid 18-digit number', () => {
    // 11010519491231002X is the standard's own example: born 1949-12-31, female.
    const r = parseIdNumber('11010519491231002x', TODAY)
    expect(r).toEqual({ ok: true, info: { birthDate: '1949-12-31', sex: 'female' } })
  })

  it('rejects a wrong check character and names the expected one', () => {
    const r = parseIdNumber('110105194912310021', TODAY)
    expect(r).toEqual({ ok: false, problem: { kind: 'check', expected: 'X', found: '1' } })
  })

  it('reads a legacy 15-digit number with a two-digit year', () => {
    const r = parseIdNumber('110105491231002', TODAY)
    expect(r).toEqual({ ok: true, info: { birthDate: '1949-12-31', sex: 'female' } })
  })

  it.each([
    ['11010519491231', { kind: 'length', length: 14 }],
    ['1101051949123100A2', { kind: 'character', char: 'A' }],
    ['110105194902300023', { kind: 'birth_date' }],
    ['990105194912310020', { kind: 'region', code: '990105' }],
  ])('rejects %s', (input, problem) => {
    expect(parseIdNumber(input, TODAY)).toEqual({ ok: false, problem })
  })

  it('accepts spaces, full-width digits and a lowercase x like the core does', () => {
    expect(parseIdNumber('110105 1949１２31 002x', TODAY).ok).toBe(true)
  })

  it('rejects a birth date after today', () => {
    const body = '11010520301231002'
    expect(parseIdNumber(body + checkCharacter(body), TODAY)).toEqual({ ok: false, problem: { kind: 'future' } })
  })
})

describe('ageOn', () => {
  it('counts whole years, not yet a year older before the birthday', () => {
    expect(ageOn('1960-11-24', TODAY)).toBe(65)
    expect(ageOn('1960-11-23', TODAY)).toBe(66)
  })
})
