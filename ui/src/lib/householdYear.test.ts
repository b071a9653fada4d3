import { describe, expect, it } from 'vitest'
import type { GroupPeriod, HistoryEntry, MemberView, MemberYear } from '../api/types'
import zh from '../locales/zh-CN.json'
import {
  checkAddForm, checkSplit, chinaToday, currentMembers, editFormOf, emptyAddForm, emptyGroupForm, hasChanges, leavers,
  leaveText, openPeriods, possibleMothers, sayWith, splitMembers, timeline, toGroupStart, toMemberAdd, toResidentEdit,
} from './householdYear'

function member(id: string, over: Partial<MemberView> = {}): MemberView {
  return {
    id, name: id, relation: 'child', sex: 'male', birth_date: '1990-01-01', age: 36, id_number: null, id_number_missing: true,
    phone: null, groups: [], covered_by: null, ...over,
  }
}

function year(id: string, over: Partial<MemberYear> = {}): MemberYear {
  return { resident_id: id, name: id, member: true, left: null, periods: [], events: [], ...over }
}

function period(group: GroupPeriod['group'], start: string, end: string | null): GroupPeriod {
  return { id: `${group}-${start}`, resident_id: 'r', group, basis: 'diagnosed', start, end, hlc: '' }
}

// A `t` over the Chinese file, enough to read what the page would show.
function t(key: string, params: Record<string, unknown> = {}): string {
  const text = key.split('.').reduce<any>((o, k) => o?.[k], zh)
  if (typeof text !== 'string') return key
  return text.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''))
}

describe('members over the year', () => {
  it('keeps leavers out of the members and lists them latest first', () => {
    const members = [member('a'), member('b'), member('c')]
    const y = [
      year('a'),
      year('b', { member: false, left: { on: '2026-03-01', reason: { type: 'died' } } }),
      year('c', { member: false, left: { on: '2026-05-01', reason: { type: 'moved_out', destination: '广州' } } }),
    ]
    expect(currentMembers(members, y).map((m) => m.id)).toEqual(['a'])
    expect(leavers(y).map((m) => m.resident_id)).toEqual(['c', 'b'])
  })

  it('says why a member left', () => {
    expect(sayWith(t, leaveText({ type: 'died' }))).toBe('死亡')
    expect(sayWith(t, leaveText({ type: 'moved_out', destination: '广州' }))).toBe('迁出（广州）')
    expect(sayWith(t, leaveText({ type: 'moved_to_household', household_id: 'h' }))).toBe('迁入本册另一户')
  })

  it('shows the periods in force today, postpartum weeks ahead included', () => {
    const periods = [period('pregnant', '2026-01-01', '2026-09-30'), period('postpartum', '2026-10-01', '2026-11-12'), period('hypertension', '2026-06-01', null)]
    expect(openPeriods(periods, '2026-10-05').map((p) => p.group)).toEqual(['hypertension', 'postpartum'])
  })

  it("offers women of the household as a newborn's mother", () => {
    const members = [member('f', { sex: 'female', age: 30 }), member('g', { sex: 'female', age: 5 }), member('m')]
    expect(possibleMothers(members).map((m) => m.id)).toEqual(['f'])
  })
})

describe('requests', () => {
  it('sends only the fields that changed, and a number typed later', () => {
    const m = member('a', { phone: '13800000000' })
    const form = editFormOf(m)
    expect(hasChanges(toResidentEdit(m, form))).toBe(false)
    form.phone = '13900000000'
    form.idNumber = ' 110101199001011234 '
    const edit = toResidentEdit(m, form)
    expect(edit).toMatchObject({ phone: '13900000000', id_number: '110101199001011234', name: null, birth_date: null })
    expect(edit.record_number).toBeNull()
    expect(hasChanges(edit)).toBe(true)
  })

  it('sends a health-record number only when it changed, and an empty one to remove it', () => {
    const m = member('a', { record_number: '14082210020000042' })
    const form = editFormOf(m)
    expect(form.recordNumber).toBe('14082210020000042')
    expect(hasChanges(toResidentEdit(m, form))).toBe(false)
    form.recordNumber = ''
    expect(toResidentEdit(m, form).record_number).toBe('')
    form.recordNumber = ' 14082210020000043 '
    expect(toResidentEdit(m, form).record_number).toBe('14082210020000043')
  })

  it('needs the mother for a newborn and the origin for a move in', () => {
    const f = { ...emptyAddForm('2026-12-07'), name: '小明', sex: 'male' as const }
    expect(checkAddForm(f)?.key).toBe('year.err.mother')
    f.motherId = 'mum'
    expect(checkAddForm(f)).toBeNull()
    const add = toMemberAdd('h', f)
    expect(add).toMatchObject({ household_id: 'h', reason: 'birth', mother_id: 'mum', from: null })
    expect(add.member).toMatchObject({ name: '小明', sex: 'male', birth_date: '2026-12-07', relation: 'child' })
    f.reason = 'moved_in'
    expect(checkAddForm(f)?.key).toBe('year.err.from')
  })

  it('dates a pregnancy by the last period or by the expected delivery', () => {
    const f = { ...emptyGroupForm('2026-12-07'), group: 'pregnant' as const, since: '2026-10-01' }
    expect(toGroupStart('r', f)).toMatchObject({ since: '2026-10-01', expected_delivery: null })
    f.pregnancyBasis = 'edd'
    f.expectedDelivery = '2027-07-08'
    expect(toGroupStart('r', f)).toMatchObject({ since: null, expected_delivery: '2027-07-08' })
  })

  it('splits with exactly one new head and someone left behind', () => {
    const rows = [
      { residentId: 'a', name: 'a', chosen: true, relation: 'spouse' as const },
      { residentId: 'b', name: 'b', chosen: false, relation: '' as const },
    ]
    expect(checkSplit(rows, '新地址')?.key).toBe('register.err.noHead')
    rows[0].relation = 'head' as never
    expect(checkSplit(rows, '')?.key).toBe('year.err.address')
    expect(checkSplit(rows, '新地址')).toBeNull()
    expect(splitMembers(rows)).toEqual([{ resident_id: 'a', relation: 'head' }])
    rows[1].chosen = true
    rows[1].relation = 'child' as never
    expect(checkSplit(rows, '新地址')?.key).toBe('year.err.splitAll')
  })
})

describe('the contract timeline', () => {
  it('reads each entry with its day, amendments with their snapshot', () => {
    const term = { start: '2027-01-01', end: '2027-12-31', policy: 'calendar_year' as const, auto_renew: true }
    const entries: HistoryEntry[] = [
      { type: 'signed', on: '2026-02-01', at: '2026-02-01T02:00:00Z', agreement_number: 'N1', snapshot_sha256: '' },
      {
        type: 'amendment',
        resident_name: '贾年儿',
        amendment: {
          id: 'am1', contract_id: 'c', effective_on: '2026-05-02', recorded_at: '', hlc: '', household_signed: true, snapshot_sha256: '',
          kind: { type: 'member_added', resident_id: 'r', package_codes: [] },
        },
      },
      {
        type: 'amendment',
        resident_name: '贾年母',
        amendment: {
          id: 'am2', contract_id: 'c', effective_on: '2026-06-01', recorded_at: '', hlc: '', household_signed: false, snapshot_sha256: '',
          kind: { type: 'coverage_ended', resident_id: 'r2', reason: 'death' },
        },
      },
      { type: 'renewed', renewal: { id: 'x', contract_id: 'c', renewal: 1, term } },
    ]
    const lines = timeline(entries)
    expect(lines.map((l) => l.day)).toEqual(['2026-02-01', '2026-05-02', '2026-06-01', '2027-01-01'])
    expect(lines.map((l) => sayWith(t, l.text))).toEqual([
      '签约（协议 N1）', '贾年儿加入协议', '贾年母终止服务（死亡）', '自动续约：2027-01-01 — 2027-12-31',
    ])
    expect(lines.map((l) => l.amendmentId)).toEqual([null, 'am1', 'am2', null])
  })
})

describe('today', () => {
  it('is the day in China Standard Time', () => {
    expect(chinaToday(new Date('2026-12-06T22:30:00Z'))).toBe('2026-12-07')
    expect(chinaToday(new Date('2026-12-06T15:59:00Z'))).toBe('2026-12-06')
  })
})
