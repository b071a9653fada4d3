// Resident ID numbers (GB 11643-1999), read on the client so that typing one fills birth date,
// sex and age at once. The backend checks again on save; this is for immediate feedback only.

export type Sex = 'male' | 'female'

export type IdProblem =
  | { kind: 'length'; length: number }
  | { kind: 'character'; char: string }
  | { kind: 'birth_date' }
  | { kind: 'future' }
  | { kind: 'check'; expected: string; found: string }

export interface IdInfo {
  birthDate: string // YYYY-MM-DD
  sex: Sex
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

export function checkCharacter(body17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * WEIGHTS[i]
  return CHECK[sum % 11]
}

function validDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d))
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d
}

const pad = (n: number) => String(n).padStart(2, '0')

/** Reads an ID number. `today` is YYYY-MM-DD. Returns the facts or the first problem found. */
export function parseIdNumber(input: string, today: string): { ok: true; info: IdInfo } | { ok: false; problem: IdProblem } {
  const s = input.trim().toUpperCase()
  if (s.length !== 18 && s.length !== 15) return { ok: false, problem: { kind: 'length', length: s.length } }
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    const digit = c >= '0' && c <= '9'
    if (!digit && !(c === 'X' && i === 17)) return { ok: false, problem: { kind: 'character', char: c } }
  }
  let y: number, m: number, d: number, seq: number
  if (s.length === 18) {
    y = Number(s.slice(6, 10))
    m = Number(s.slice(10, 12))
    d = Number(s.slice(12, 14))
    seq = Number(s.slice(14, 17))
  } else {
    y = 1900 + Number(s.slice(6, 8))
    m = Number(s.slice(8, 10))
    d = Number(s.slice(10, 12))
    seq = Number(s.slice(12, 15))
  }
  if (!validDate(y, m, d) || y < 1880) return { ok: false, problem: { kind: 'birth_date' } }
  const birthDate = `${y}-${pad(m)}-${pad(d)}`
  if (birthDate > today) return { ok: false, problem: { kind: 'future' } }
  if (s.length === 18) {
    const expected = checkCharacter(s.slice(0, 17))
    if (expected !== s[17]) return { ok: false, problem: { kind: 'check', expected, found: s[17] } }
  }
  return { ok: true, info: { birthDate, sex: seq % 2 === 1 ? 'male' : 'female' } }
}

/** Whole years from `birth` to `on`, both YYYY-MM-DD. */
export function ageOn(birth: string, on: string): number {
  const [by, bm, bd] = birth.split('-').map(Number)
  const [y, m, d] = on.split('-').map(Number)
  let age = y - by
  if (m < bm || (m === bm && d < bd)) age -= 1
  return Math.max(0, age)
}

export function todayIso(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`
}
