import { describe, expect, it } from 'vitest'
import type { DueEntry } from '../api'
import { anchorText, statusTag, whenText } from './rounds'

const t = (key: string, params?: Record<string, unknown>) => `${key}${params ? JSON.stringify(params) : ''}`

function entry(over: Partial<DueEntry>): DueEntry {
  return {
    contract_id: 'c',
    resident_id: 'r',
    package_code: 'basic_child',
    item_code: 'child_health_check',
    status: 'due',
    occurrence: 1,
    times_per_year: 12,
    delivered: 0,
    missed: 0,
    opens_on: '2026-09-07',
    due_by: '2026-09-25',
    anchor: 'birth',
    anchored_on: '2026-08-10',
    resident_name: '张小禾',
    household_id: 'h',
    village_id: 'v',
    village: '东庄村',
    package_name: '0-6岁儿童健康管理',
    item_name: '儿童健康检查',
    ...over,
  }
}

describe('a round stop', () => {
  it('names the anchor an item counts from, and nothing for term items', () => {
    expect(anchorText(entry({}), t)).toBe('work.anchor.since{"what":"work.anchor.birth","day":"2026-08-10"}')
    expect(anchorText(entry({ anchor: 'term', anchored_on: null }), t)).toBe('')
    expect(anchorText(entry({ anchor: 'diagnosis', anchored_on: null }), t)).toBe('')
  })

  it('says when: overdue since the deadline, due by it, or opening on a day', () => {
    expect(whenText(entry({ status: 'overdue' }), t)).toBe('work.when.overdue{"day":"2026-09-25"}')
    expect(whenText(entry({ status: 'due' }), t)).toBe('work.when.due{"day":"2026-09-25"}')
    expect(whenText(entry({ status: 'upcoming' }), t)).toBe('work.when.upcoming{"day":"2026-09-07"}')
    expect(statusTag(entry({ status: 'overdue' }))).toBe('danger')
    expect(statusTag(entry({ status: 'upcoming' }))).toBe('info')
  })
})
