// Helpers of the roster import screen: the fields a column can hold, the overrides sent with a
// request, and one progress percentage over the reading, checking and writing stages.

import type { Field, ImportProgress } from '../api'

/** Every field a column may be mapped to, in the order the chooser lists them. */
export const IMPORT_FIELDS: Field[] = [
  'head_name', 'name', 'id_number', 'sex', 'birth_date', 'phone', 'relation', 'village', 'group', 'address', 'groups',
]

/** The overrides the user chose (column letter → field code or `ignore`), as the request's mapping. */
export function mappingFor(overrides: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [column, field] of Object.entries(overrides)) {
    if (column && (field === 'ignore' || (IMPORT_FIELDS as string[]).includes(field))) out[column] = field
  }
  return out
}

const STAGES = ['reading', 'checking', 'writing', 'done'] as const

/** 0–100 over the whole import: each stage takes its share, done is 100. */
export function importPercent(p: ImportProgress): number {
  if (p.stage === 'done') return 100
  const stage = Math.max(0, STAGES.indexOf(p.stage))
  const within = p.total > 0 ? Math.min(1, p.done / p.total) : 0
  return Math.round(((stage + within) / (STAGES.length - 1)) * 100)
}
