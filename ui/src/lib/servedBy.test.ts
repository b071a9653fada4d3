import { describe, expect, it } from 'vitest'
import type { VisitRow, VisitTeam } from '../api'
import { initialServedBy, servedByText, servingOptions } from './servedBy'

const team: VisitTeam = {
  team_id: 't1',
  team_name: '东庄团队',
  members: [
    { id: 'd1', name: '刘医生', role: 'family_doctor', role_label: '家庭医生' },
    { id: 'n1', name: '孙护士', role: 'nurse', role_label: '护士' },
  ],
  default_member: 'd1',
}

const row = (over: Partial<VisitRow>): VisitRow => ({
  visit_id: 'v1',
  resident_id: 'r1',
  resident_name: '张三',
  kind: 'hypertension_follow_up',
  kind_label: '高血压随访',
  mode: 'home',
  mode_label: '入户',
  occurred_at: '2026-11-23T02:00:00Z',
  served_by: 'n1',
  served_by_name: '孙护士',
  served_by_role: '护士',
  ...over,
})

describe('served by', () => {
  it('lists every member with the role', () => {
    expect(servingOptions(team).map((o) => o.label)).toEqual(['刘医生 · 家庭医生', '孙护士 · 护士'])
    expect(servingOptions(null)).toEqual([])
  })

  it('starts with the chosen member when still in the team, else the default', () => {
    expect(initialServedBy(team, 'n1')).toBe('n1')
    expect(initialServedBy(team, 'gone')).toBe('d1')
    expect(initialServedBy(team, null)).toBe('d1')
    expect(initialServedBy(null, 'n1')).toBeNull()
  })

  it('names who served, and says when it was not recorded', () => {
    const words = { unrecorded: '未记录（计入签约医生）', unknown: '本机未知的人员' }
    expect(servedByText(row({}), words)).toBe('孙护士 · 护士')
    expect(servedByText(row({ served_by: null, served_by_name: '', served_by_role: '' }), words)).toBe(words.unrecorded)
    expect(servedByText(row({ served_by_name: '', served_by_role: '' }), words)).toBe(words.unknown)
  })
})
