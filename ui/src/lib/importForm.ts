// Helpers of the roster import screen: the fields a column can hold, the overrides sent with a
// request, one progress percentage over the reading, checking and writing stages, the report's
// lines (sheet, row, column, member) and the "import the rest" choices worth offering.

import type { Field, ImportPreview, ImportProgress, RowIssue } from '../api'

/** Every field a column may be mapped to, in the order the chooser lists them. */
export const IMPORT_FIELDS: Field[] = [
  'head_name', 'name', 'id_number', 'sex', 'birth_date', 'phone', 'relation', 'village', 'group', 'address', 'groups',
  'household_no', 'record_number',
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

/** One line of the report as the table shows it; `who` is the member's name, never blank. */
export interface IssueLine {
  key: string
  sheet: string
  row: number | null
  column: string
  who: string
  issue: RowIssue
}

/** The report's first `limit` lines, errors of a row before its warnings (as the API sorts them). */
export function issueLines(p: ImportPreview, limit: number, noName: string): IssueLine[] {
  return p.issues.slice(0, limit).map((issue, i) => ({
    key: `${issue.sheet}-${issue.row ?? 0}-${i}`,
    sheet: issue.sheet,
    row: issue.row,
    column: issue.column ?? '',
    who: issue.name && issue.name.trim() ? issue.name : noName,
    issue,
  }))
}

/** Which "import the rest" choices mean something for this preview. */
export function importChoices(p: ImportPreview): { members: boolean, households: boolean } {
  return {
    members: p.members_with_errors > 0,
    households: p.households_with_errors > 0,
  }
}
