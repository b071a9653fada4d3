// The registration form's member rows and their client-side checks. Kept apart from the view so
// the rules are unit-tested.

import type { HouseholdInput, Relation, ResidentInput, Sex } from '../api/types'
import { ageOn, normaliseIdNumber, parseIdNumber, type IdProblem } from './idNumber'

export interface MemberRow {
  name: string
  idNumber: string
  noIdNumber: boolean
  sex: Sex | ''
  birthDate: string
  phone: string
  relation: Relation | ''
  groups: string[]
}

export function emptyMember(relation: Relation | '' = ''): MemberRow {
  return { name: '', idNumber: '', noIdNumber: false, sex: '', birthDate: '', phone: '', relation, groups: [] }
}

export type FieldError = { key: string; params?: Record<string, unknown> }
export type RowErrors = Partial<Record<'name' | 'idNumber' | 'sex' | 'birthDate' | 'phone' | 'relation', FieldError>>

export function idProblemMessage(p: IdProblem): FieldError {
  switch (p.kind) {
    case 'length':
      return { key: 'register.err.idLength', params: { n: p.length } }
    case 'character':
      return { key: 'register.err.idChar', params: { c: p.char } }
    case 'region':
      return { key: 'register.err.idRegion', params: { code: p.code } }
    case 'birth_date':
      return { key: 'register.err.idBirth' }
    case 'future':
      return { key: 'register.err.idFuture' }
    case 'check':
      return { key: 'register.err.idCheck', params: { expected: p.expected, found: p.found } }
  }
}

/** When the ID number reads well, fills birth date and sex from it (the number is authoritative). */
export function fillFromId(row: MemberRow, today: string): FieldError | null {
  if (row.noIdNumber || !row.idNumber.trim()) return null
  const r = parseIdNumber(row.idNumber, today)
  if (!r.ok) return idProblemMessage(r.problem)
  row.idNumber = normaliseIdNumber(row.idNumber)
  row.birthDate = r.info.birthDate
  row.sex = r.info.sex
  return null
}

export function ageOf(row: MemberRow, today: string): number | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(row.birthDate) ? ageOn(row.birthDate, today) : null
}

const MOBILE = /^1[3-9]\d{9}$/
const LANDLINE = /^0\d{2,3}-?\d{7,8}$/

export function checkRow(row: MemberRow, today: string): RowErrors {
  const e: RowErrors = {}
  if (!row.name.trim()) e.name = { key: 'register.err.name' }
  if (!row.noIdNumber) {
    if (!row.idNumber.trim()) e.idNumber = { key: 'register.err.idRequired' }
    else {
      const r = parseIdNumber(row.idNumber, today)
      if (!r.ok) e.idNumber = idProblemMessage(r.problem)
    }
  }
  if (!row.sex) e.sex = { key: 'register.err.sex' }
  if (row.noIdNumber && !row.birthDate) e.birthDate = { key: 'register.err.birth' }
  const phone = row.phone.replace(/\s/g, '')
  if (phone && !MOBILE.test(phone) && !LANDLINE.test(phone)) e.phone = { key: 'register.err.phone' }
  if (!row.relation) e.relation = { key: 'register.err.relation' }
  return e
}

export function checkHeads(rows: MemberRow[]): FieldError | null {
  const heads = rows.filter((r) => r.relation === 'head').length
  if (heads === 0) return { key: 'register.err.noHead' }
  if (heads > 1) return { key: 'register.err.severalHeads' }
  const ids = rows.filter((r) => !r.noIdNumber && r.idNumber.trim()).map((r) => normaliseIdNumber(r.idNumber))
  if (new Set(ids).size !== ids.length) return { key: 'register.err.sameIdTwice' }
  return null
}

export function toInput(village: string, group: string, address: string, rows: MemberRow[]): HouseholdInput {
  return {
    village,
    group,
    address,
    members: rows.map(
      (r): ResidentInput => ({
        name: r.name.trim(),
        id_number: r.noIdNumber || !r.idNumber.trim() ? null : normaliseIdNumber(r.idNumber),
        sex: r.sex || null,
        birth_date: r.birthDate || null,
        phone: r.phone.replace(/\s/g, '') || null,
        relation: r.relation || null,
        groups: r.groups,
      }),
    ),
  }
}
