import { describe, expect, it } from 'vitest'
import type { ImportPreview, RowIssue } from '../api'
import { IMPORT_FIELDS, importChoices, importPercent, issueLines, mappingFor } from './importForm'

function issue(over: Partial<RowIssue>): RowIssue {
  return {
    sheet: '台账', row: 7, column: '身份证号', name: '王五', severity: 'error', scope: 'member',
    code: 'invalid_id_number', place: '“台账”第 7 行，“身份证号”列，王五', message: '身份证号码有误', ...over,
  }
}

function preview(over: Partial<ImportPreview>): ImportPreview {
  return {
    file_sha256: '', sheets: ['台账'], sheet: '台账', header_row: 3, columns: [], rows: 2, households: 1, residents: 2,
    importable_households: 0, importable_residents: 0, errors: 1, warnings: 0, members_with_errors: 1,
    households_with_errors: 1, issues: [], skipped_rows: [], household_list: [], can_import: false, ...over,
  }
}

describe('the import form helpers', () => {
  it('send only known fields or ignore as overrides', () => {
    expect(mappingFor({ C: 'id_number', D: 'ignore', E: 'nonsense', '': 'name', F: 'record_number' }))
      .toEqual({ C: 'id_number', D: 'ignore', F: 'record_number' })
    expect(IMPORT_FIELDS).toContain('head_name')
    expect(IMPORT_FIELDS).toContain('household_no')
  })

  it('give one percentage over reading, checking and writing', () => {
    expect(importPercent({ stage: 'reading', done: 0, total: 0 })).toBe(0)
    expect(importPercent({ stage: 'checking', done: 50, total: 100 })).toBe(50)
    expect(importPercent({ stage: 'writing', done: 100, total: 100 })).toBe(100)
    expect(importPercent({ stage: 'writing', done: 500, total: 100 })).toBe(100)
    expect(importPercent({ stage: 'done', done: 0, total: 0 })).toBe(100)
  })

  it('name the member of each report line, never as a blank', () => {
    const p = preview({ issues: [issue({}), issue({ name: null, column: null, row: 9, scope: 'household' }), issue({ name: '  ' })] })
    const lines = issueLines(p, 2, '（无姓名）')
    expect(lines.map((l) => [l.sheet, l.row, l.column, l.who])).toEqual([
      ['台账', 7, '身份证号', '王五'],
      ['台账', 9, '', '（无姓名）'],
    ])
    expect(issueLines(p, 10, '—')[2].who).toBe('—')
  })

  it('offer leaving members or households out only when that would change something', () => {
    expect(importChoices(preview({}))).toEqual({ members: true, households: true })
    expect(importChoices(preview({ members_with_errors: 0 }))).toEqual({ members: false, households: true })
    expect(importChoices(preview({ members_with_errors: 0, households_with_errors: 0 }))).toEqual({ members: false, households: false })
  })
})
