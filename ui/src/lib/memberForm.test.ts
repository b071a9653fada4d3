import { describe, expect, it } from 'vitest'
import { checkHeads, checkRow, emptyMember, fillFromId, toInput } from './memberForm'

const TODAY = '2026-11-23'

describe('member rows', () => {
  it('fills birth date and sex from a valid ID number', () => {
    const row = { ...emptyMember('head'), name: '王秀英', idNumber: '11010519491231002x' }
    expect(fillFromId(row, TODAY)).toBeNull()
    expect(row.birthDate).toBe('1949-12-31')
    expect(row.sex).toBe('female')
    expect(row.idNumber).toBe('11010519491231002X')
  })

  it('reports a bad check character inline and leaves the row alone', () => {
    const row = { ...emptyMember('head'), idNumber: '110105194912310021' }
    expect(fillFromId(row, TODAY)).toEqual({ key: 'register.err.idCheck', params: { expected: 'X', found: '1' } })
    expect(row.birthDate).toBe('')
  })

  it('allows a member without an ID number when the birth date is given', () => {
    const row = { ...emptyMember('child'), name: '王小宝', noIdNumber: true, sex: 'male' as const, birthDate: '2026-10-01' }
    expect(checkRow(row, TODAY)).toEqual({})
    const missing = { ...row, birthDate: '' }
    expect(checkRow(missing, TODAY).birthDate?.key).toBe('register.err.birth')
  })

  it('checks phone numbers: mobile or landline', () => {
    const base = { ...emptyMember('head'), name: '张三', noIdNumber: true, sex: 'male' as const, birthDate: '1960-01-01' }
    expect(checkRow({ ...base, phone: '13800138000' }, TODAY).phone).toBeUndefined()
    expect(checkRow({ ...base, phone: '0371-63212345' }, TODAY).phone).toBeUndefined()
    expect(checkRow({ ...base, phone: '12345' }, TODAY).phone?.key).toBe('register.err.phone')
  })

  it('wants exactly one head and no ID number twice', () => {
    const a = { ...emptyMember('head'), idNumber: '11010519491231002X' }
    const b = { ...emptyMember('spouse'), idNumber: '11010519491231002x' }
    expect(checkHeads([a, b])?.key).toBe('register.err.sameIdTwice')
    expect(checkHeads([{ ...a, relation: 'spouse' }])?.key).toBe('register.err.noHead')
    expect(checkHeads([a, { ...b, relation: 'head', idNumber: '' }])?.key).toBe('register.err.severalHeads')
  })

  it('turns rows into the backend input with nulls for empty fields', () => {
    const row = { ...emptyMember('head'), name: ' 李四 ', noIdNumber: true, sex: 'male' as const, birthDate: '1950-02-03', phone: '138 0013 8000' }
    expect(toInput('东村', '一组', '东村12号', [row]).members[0]).toEqual({
      name: '李四',
      id_number: null,
      sex: 'male',
      birth_date: '1950-02-03',
      phone: '13800138000',
      relation: 'head',
      groups: [],
    })
  })
})
