// Resident ID numbers (GB 11643-1999), read on the client so that typing one fills birth date,
// sex and age at once. The backend checks again on save; this is for immediate feedback only.

export type Sex = 'male' | 'female'

export type IdProblem =
  | { kind: 'length'; length: number }
  | { kind: 'character'; char: string }
  | { kind: 'region'; code: string }
  | { kind: 'birth_date' }
  | { kind: 'future' }
  | { kind: 'check'; expected: string; found: string }

export interface IdInfo {
  birthDate: string // YYYY-MM-DD
  sex: Sex
}

// Province prefixes and the earliest birth year, as the domain core has them.
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
])
const EARLIEST_BIRTH_YEAR = 1890

/** Drops spaces and dashes, turns full-width digits and a lowercase x into ASCII, as the core does. */
export function normaliseIdNumber(input: string): string {
  let out = ''
  for (const c of input) {
    if (c === ' ' || c === '\u3000' || c === '\t' || c === '-') continue
    const code = c.charCodeAt(0)
    if (code >= 0xff10 && code <= 0xff19) out += String.fromCharCode(code - 0xff10 + 48)
    else if (c === 'x' || c === 'ｘ' || c === 'Ｘ') out += 'X'
    else out += c
  }
  return out
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
  const s = normaliseIdNumber(input)
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    const digit = c >= '0' && c <= '9'
    if (!digit && !(c === 'X' && i === 17)) return { ok: false, problem: { kind: 'character', char: c } }
  }
  if (s.length !== 18 && s.length !== 15) return { ok: false, problem: { kind: 'length', length: s.length } }
  if (!PROVINCES.has(Number(s.slice(0, 2)))) return { ok: false, problem: { kind: 'region', code: s.slice(0, 6) } }
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
  if (!validDate(y, m, d) || y < EARLIEST_BIRTH_YEAR) return { ok: false, problem: { kind: 'birth_date' } }
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
