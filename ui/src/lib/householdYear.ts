// A household's year on screen: who is a member today, who left and why, groups with their
// dates, the contract's timeline, and the requests the household page's dialogs send. Kept apart
// from the components so the rules are unit-tested.

import type {
  ContractEventKind, GroupPeriod, GroupStart, HistoryEntry, JoinKind, LeaveKind, LeaveReason, MemberAdd, MemberView,
  MemberYear, PopulationGroup, Relation, ResidentEdit, Sex, SplitMember,
} from '../api/types'

export const JOIN_KINDS: JoinKind[] = ['birth', 'marriage', 'adoption', 'moved_in']
export const LEAVE_KINDS: LeaveKind[] = ['died', 'moved_out', 'moved_to_household']

/** A text to show with its parameters; `codes` are parameters that are themselves texts (a
 *  reason, a group), translated before they are put in. `say` in the components does both. */
export type Text = { key: string; params?: Record<string, unknown>; codes?: Record<string, string> }

/** The members of the household today: everyone the register lists, less those who left. */
export function currentMembers(members: MemberView[], year: MemberYear[]): MemberView[] {
  const gone = new Set(year.filter((y) => !y.member).map((y) => y.resident_id))
  return members.filter((m) => !gone.has(m.id))
}

/** Those who left the household, the latest first. */
export function leavers(year: MemberYear[]): MemberYear[] {
  return year.filter((y) => !y.member && y.left).sort((a, b) => (b.left!.on < a.left!.on ? -1 : 1))
}

export function leaveText(reason: LeaveReason): Text {
  switch (reason.type) {
    case 'died':
      return { key: 'year.leave.died' }
    case 'moved_out':
      return { key: 'year.leave.movedOutTo', params: { place: reason.destination } }
    case 'moved_to_household':
      return { key: 'year.leave.moved_to_household' }
  }
}

/** A group with its dates: "高血压（2026-03-01 起）", "孕产妇（2026-01-02 — 2026-09-30）". */
export function periodText(p: GroupPeriod): Text {
  return p.end ? { key: 'year.periodClosed', params: { from: p.start, to: p.end } } : { key: 'year.periodOpen', params: { from: p.start } }
}

/** The periods in force today or later (the postpartum weeks run ahead), oldest first. */
export function openPeriods(periods: GroupPeriod[], today: string): GroupPeriod[] {
  return periods.filter((p) => p.start <= today && (p.end === null || p.end >= today)).sort((a, b) => (a.start < b.start ? -1 : 1))
}

/** Women of the household who could be a newborn's mother (12 and over, or age unknown). */
export function possibleMothers(members: MemberView[]): MemberView[] {
  return members.filter((m) => m.sex === 'female' && (m.age === null || m.age >= 12))
}

export interface EditForm {
  name: string
  sex: Sex | ''
  birthDate: string
  phone: string
  idNumber: string
  /** The county's 17-digit health-record number; empty removes it. */
  recordNumber: string
}

export function editFormOf(m: MemberView): EditForm {
  return {
    name: m.name, sex: m.sex, birthDate: m.birth_date ?? '', phone: m.phone ?? '', idNumber: '',
    recordNumber: m.record_number ?? '',
  }
}

/** Only what changed travels; an ID number typed for a member without one clears "no number". */
export function toResidentEdit(m: MemberView, f: EditForm): ResidentEdit {
  const changed = <T>(value: T, before: T) => (value === before ? null : value)
  const id = f.idNumber.replace(/\s/g, '').toUpperCase()
  return {
    resident_id: m.id,
    name: changed(f.name.trim(), m.name),
    sex: f.sex ? changed(f.sex, m.sex) : null,
    // With a number the number says the birth date; a typed one is sent only without it.
    birth_date: id ? null : changed(f.birthDate || null, m.birth_date),
    phone: changed(f.phone.replace(/\s/g, ''), m.phone ?? ''),
    id_number: id || null,
    relation: null,
    // Full-width digits, spaces and dashes are read by the backend; only a change travels.
    record_number: changed(f.recordNumber.trim(), m.record_number ?? ''),
  }
}

export function hasChanges(e: ResidentEdit): boolean {
  return [e.name, e.sex, e.birth_date, e.phone, e.id_number, e.relation, e.record_number].some((v) => v !== null)
}

export interface AddForm {
  reason: JoinKind
  name: string
  sex: Sex | ''
  birthDate: string
  idNumber: string
  phone: string
  relation: Relation | ''
  on: string
  motherId: string
  from: string
}

export function emptyAddForm(today: string): AddForm {
  return { reason: 'birth', name: '', sex: '', birthDate: today, idNumber: '', phone: '', relation: 'child', on: '', motherId: '', from: '' }
}

export function checkAddForm(f: AddForm): Text | null {
  if (!f.name.trim()) return { key: 'register.err.name' }
  if (!f.idNumber.trim() && !f.sex) return { key: 'register.err.sex' }
  if (!f.idNumber.trim() && !f.birthDate) return { key: 'register.err.birth' }
  if (!f.relation) return { key: 'register.err.relation' }
  if (f.reason === 'birth' && !f.motherId) return { key: 'year.err.mother' }
  if (f.reason === 'moved_in' && !f.from.trim()) return { key: 'year.err.from' }
  return null
}

export function toMemberAdd(householdId: string, f: AddForm): MemberAdd {
  const id = f.idNumber.replace(/\s/g, '').toUpperCase()
  return {
    household_id: householdId,
    member: {
      name: f.name.trim(),
      id_number: id || null,
      sex: f.sex || null,
      birth_date: id ? null : f.birthDate || null,
      phone: f.phone.replace(/\s/g, '') || null,
      relation: f.relation || null,
      groups: [],
    },
    reason: f.reason,
    on: f.on || null,
    mother_id: f.reason === 'birth' ? f.motherId || null : null,
    from: f.reason === 'moved_in' ? f.from.trim() : null,
    extend: null,
  }
}

export interface GroupForm {
  group: PopulationGroup | ''
  /** Pregnancy: known by the last period or by the expected delivery date. */
  pregnancyBasis: 'lmp' | 'edd'
  since: string
  expectedDelivery: string
  treatmentStarted: boolean
}

export function emptyGroupForm(today: string): GroupForm {
  return { group: '', pregnancyBasis: 'lmp', since: today, expectedDelivery: '', treatmentStarted: false }
}

export function toGroupStart(residentId: string, f: GroupForm): GroupStart {
  const byEdd = f.group === 'pregnant' && f.pregnancyBasis === 'edd'
  return {
    resident_id: residentId,
    group: f.group as PopulationGroup,
    since: byEdd ? null : f.since || null,
    expected_delivery: byEdd ? f.expectedDelivery || null : null,
    treatment_started: f.group === 'tuberculosis' && f.treatmentStarted,
    amend: null,
  }
}

/** The date that names when a group starts: a diagnosis, the last period, a registration. */
export function sinceLabelKey(group: PopulationGroup | ''): string {
  switch (group) {
    case 'hypertension':
    case 'diabetes':
    case 'severe_mental':
      return 'year.group.diagnosedOn'
    case 'tuberculosis':
      return 'year.group.diagnosedOrTreatedOn'
    case 'pregnant':
      return 'year.group.lastPeriod'
    case 'postpartum':
      return 'year.group.deliveredOn'
    default:
      return 'year.group.registeredOn'
  }
}

export interface SplitRow {
  residentId: string
  name: string
  chosen: boolean
  relation: Relation | ''
}

/** The members who leave, with their relation to the new head: exactly one is the head. */
export function checkSplit(rows: SplitRow[], address: string): Text | null {
  const chosen = rows.filter((r) => r.chosen)
  if (!chosen.length) return { key: 'year.err.splitNone' }
  if (chosen.some((r) => !r.relation)) return { key: 'register.err.relation' }
  const heads = chosen.filter((r) => r.relation === 'head').length
  if (heads !== 1) return { key: heads ? 'register.err.severalHeads' : 'register.err.noHead' }
  if (chosen.length === rows.length) return { key: 'year.err.splitAll' }
  if (!address.trim()) return { key: 'year.err.address' }
  return null
}

export function splitMembers(rows: SplitRow[]): SplitMember[] {
  return rows.filter((r) => r.chosen).map((r) => ({ resident_id: r.residentId, relation: r.relation as Relation }))
}

/** One line of the contract's timeline: its day, what happened, and a colour for the dot. */
export interface TimelineLine {
  day: string
  text: Text
  type: 'primary' | 'success' | 'warning' | 'danger' | 'info'
  amendmentId: string | null
}

function eventText(kind: ContractEventKind, at: string): Omit<TimelineLine, 'amendmentId'> {
  switch (kind.type) {
    case 'doctor_changed':
      return { day: kind.effective_on, text: { key: 'year.history.doctorChanged', params: { note: kind.note } }, type: 'warning' }
    case 'terminated':
      return { day: kind.effective_on, text: { key: 'year.history.terminated', params: { note: kind.note }, codes: { reason: `change.reasons.${kind.reason}` } }, type: 'danger' }
    case 'renewed':
      return { day: at.slice(0, 10), text: { key: 'year.history.renewedBySigning' }, type: 'success' }
  }
}

export function timeline(entries: HistoryEntry[]): TimelineLine[] {
  return entries.map((e): TimelineLine => {
    switch (e.type) {
      case 'signed':
        return { day: e.on, text: { key: 'year.history.signed', params: { n: e.agreement_number } }, type: 'primary', amendmentId: null }
      case 'event':
        return { ...eventText(e.kind, e.at), amendmentId: null }
      case 'renewed':
        return {
          day: e.renewal.term.start,
          text: { key: 'year.history.renewed', params: { from: e.renewal.term.start, to: e.renewal.term.end } },
          type: 'success',
          amendmentId: null,
        }
      case 'amendment': {
        const k = e.amendment.kind
        const name = e.resident_name
        const text: Text =
          k.type === 'member_added'
            ? { key: 'year.history.memberAdded', params: { name } }
            : k.type === 'coverage_ended'
              ? { key: 'year.history.coverageEnded', params: { name }, codes: { reason: `year.endReason.${k.reason}` } }
              : k.group
                ? { key: 'year.history.obligationAdded', params: { name }, codes: { group: `group.${k.group}` } }
                : { key: 'year.history.obligationAddedPlain', params: { name } }
        return { day: e.amendment.effective_on, text, type: k.type === 'coverage_ended' ? 'info' : 'primary', amendmentId: e.amendment.id }
      }
    }
  })
}

/** Translates a `Text` with the component's `t`. */
export function sayWith(t: (key: string, params?: Record<string, unknown>) => string, text: Text): string {
  const codes = Object.fromEntries(Object.entries(text.codes ?? {}).map(([k, key]) => [k, t(key)]))
  return t(text.key, { ...(text.params ?? {}), ...codes })
}

/** Today in China Standard Time, the day the backend answers for (whatever the machine's zone). */
export function chinaToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10)
}
