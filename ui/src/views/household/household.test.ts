// The household page over the year, against a stand-in backend: leavers apart with their day and
// reason, groups with their dates, a member added with the contract's extension offered, a
// diagnosis offering the packages it brings, and the contract's timeline.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { useElement } from '../../plugins/element'
import { i18n } from '../../i18n'
import type { ContractHistory, FieldChangeView, HouseholdView as Household, MemberYear } from '../../api'

const calls: Record<string, unknown[]> = {}
const record = (name: string) => (arg?: unknown) => {
  ;(calls[name] ??= []).push(arg)
}

const household: Household = {
  id: 'h1', village_id: 'v1', village: '东村', group: '一组', address: '东路1号', record_number: 'R1',
  members: [
    { id: 'head', name: '贾年', relation: 'head', sex: 'male', birth_date: '1980-04-12', age: 46, id_number: null, id_number_missing: true, phone: null, groups: ['hypertension'], covered_by: 'N1' },
    { id: 'wife', name: '贾年妻', relation: 'spouse', sex: 'female', birth_date: '1986-09-21', age: 40, id_number: null, id_number_missing: true, phone: null, groups: [], covered_by: 'N1' },
    { id: 'gran', name: '贾年母', relation: 'parent', sex: 'female', birth_date: '1950-01-05', age: 76, id_number: null, id_number_missing: true, phone: null, groups: ['elderly_65'], covered_by: null },
  ],
  contracts: [
    {
      id: 'c1', agreement_number: 'N1', status: 'active', in_force: true, doctor_id: 'd1', member_ids: ['head', 'wife', 'gran'], verification_code: 'V',
      term: { start: '2026-01-01', end: '2026-12-31', policy: 'calendar_year', auto_renew: true },
    },
  ],
}

const year: MemberYear[] = [
  {
    resident_id: 'head', name: '贾年', member: true, left: null, events: [],
    periods: [{ id: 'p1', resident_id: 'head', group: 'hypertension', basis: 'diagnosed', start: '2026-03-02', end: null, hlc: '' }],
  },
  { resident_id: 'wife', name: '贾年妻', member: true, left: null, periods: [], events: [] },
  { resident_id: 'gran', name: '贾年母', member: false, left: { on: '2026-06-01', reason: { type: 'died' } }, periods: [], events: [] },
]

const history: ContractHistory = {
  contract_id: 'c1', agreement_number: 'N1', covered_today: [{ resident_id: 'head', name: '贾年', package_codes: ['BASIC'], since: '2026-01-01' }],
  entries: [
    { type: 'signed', on: '2026-01-01', at: '2026-01-01T01:00:00Z', agreement_number: 'N1', snapshot_sha256: '' },
    {
      type: 'amendment', resident_name: '贾年母',
      amendment: { id: 'am1', contract_id: 'c1', effective_on: '2026-06-01', recorded_at: '', hlc: '', household_signed: false, snapshot_sha256: '', kind: { type: 'coverage_ended', resident_id: 'gran', reason: 'death' } },
    },
  ],
}

const change = (c: Partial<FieldChangeView>): FieldChangeView => ({
  record: 'resident', record_id: 'wife', member_name: '贾年妻', field: 'phone', old_value: null, new_value: null,
  since_registration: false, at: '2026-03-01T02:00:00Z', doctor_name: '刘医生', doctor_id: 'd1', device_code: 'A1B2C3D4',
  this_device: true, in_force: false, took_effect: true, ...c,
})

// Newest first, as the backend sends them.
const fieldChanges: FieldChangeView[] = [
  change({ old_value: '13912345678', new_value: '13987654321', at: '2026-06-01T02:30:00Z', in_force: true }),
  change({ field: 'sex', old_value: 'male', new_value: 'female', since_registration: true, at: '2026-05-01T02:00:00Z', doctor_name: null, this_device: false, in_force: true }),
  change({ record: 'household', record_id: 'h1', member_name: null, field: 'address', old_value: '东路1号', new_value: '东路3号', since_registration: true, in_force: true, at: '2026-04-01T02:00:00Z' }),
  change({ new_value: '13912345678', since_registration: true }),
]

vi.mock('../../api', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../api')>()
  return {
    ...original,
    api: {
      household: vi.fn(async () => household),
      householdYear: vi.fn(async () => year),
      teams: vi.fn(async () => []),
      catalog: vi.fn(async () => ({ version: '1', region: '', package: [] })),
      syncOverview: vi.fn(async () => ({ pending_changes: 0, last_sync_at: null, enrolled: false, open_refusals: 0, last_error: null, syncing: false })),
      addMember: vi.fn(async (add: unknown) => {
        record('addMember')(add)
        return { resident_id: 'baby', contract_id: 'c1', amendment_id: null }
      }),
      startGroup: vi.fn(async (start: unknown) => {
        record('startGroup')(start)
        return { period_ids: ['p2'], amendment_id: null, packages_to_add: ['DIAB'], contract_id: 'c1' }
      }),
      contractHistory: vi.fn(async () => history),
      householdVisits: vi.fn(async () => []),
      householdReferrals: vi.fn(async () => []),
      householdSurveys: vi.fn(async () => []),
      surveyQuestionnaire: vi.fn(async () => ({ version: '2026', title: '满意度调查', title_en: 'Satisfaction survey', questions: [] })),
      fieldHistory: vi.fn(async (id: string) => {
        record('fieldHistory')(id)
        return fieldChanges
      }),
      villages: vi.fn(async () => [
        { id: 'v1', code: '110101001001', name: '东村', township: '城关镇' },
        { id: 'v2', code: '110101001002', name: '西村', township: '城关镇' },
      ]),
      moveHousehold: vi.fn(async (request: unknown) => {
        record('moveHousehold')(request)
        return { village_id: 'v2', terminated: [] }
      }),
      memberLeave: vi.fn(async (leave: unknown) => {
        record('memberLeave')(leave)
        return { amendment_ids: [] }
      }),
    },
  }
})

import HouseholdView from '../HouseholdView.vue'

function mountPage() {
  return mount(HouseholdView, {
    props: { householdId: 'h1' },
    attachTo: document.body,
    global: { plugins: [i18n, { install: useElement }] },
  })
}

/** Dialogs render into the body; find by data-test there. */
function inBody(test: string): HTMLElement | null {
  return document.body.querySelector(`[data-test=${test}]`)
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  for (const k of Object.keys(calls)) delete calls[k]
  document.body.innerHTML = ''
  // jsdom draws nothing: the signature pad finds no canvas context and stays blank.
  HTMLCanvasElement.prototype.getContext = (() => null) as never
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver
})

describe('the household page over the year', () => {
  it('shows today\'s members with dated groups, and leavers apart with the day and reason', async () => {
    const page = mountPage()
    await flushPromises()
    const members = page.find('[data-test=members]').text()
    expect(members).toContain('贾年妻')
    expect(members).toContain('高血压（2026-03-02 起）')
    expect(members).not.toContain('贾年母')
    const former = page.find('[data-test=former-members]').text()
    expect(former).toContain('贾年母')
    expect(former).toContain('2026-06-01')
    expect(former).toContain('死亡')
    page.unmount()
  })

  it('adds a newborn with the mother and offers the contract\'s extension', async () => {
    const page = mountPage()
    await flushPromises()
    await page.find('[data-test=add-household-member]').trigger('click')
    await flushPromises()
    const dialog = page.findComponent({ name: 'MemberAddDialog' })
    // The only woman of the household today is the mother, chosen already.
    const name = inBody('add-dialog')!.querySelector<HTMLInputElement>('[data-test=add-name] input, input[data-test=add-name]')!
    name.value = '贾年儿'
    name.dispatchEvent(new Event('input'))
    inBody('add-sex-male')!.querySelector('input')!.click()
    await flushPromises()
    inBody('add-save')!.click()
    await flushPromises()
    expect(calls.addMember).toHaveLength(1)
    expect(calls.addMember[0]).toMatchObject({ household_id: 'h1', reason: 'birth', mother_id: 'wife', member: { name: '贾年儿', sex: 'male' } })
    expect(dialog.exists()).toBe(true)
    const amend = inBody('amend-dialog')!
    expect(amend.textContent).toContain('将贾年儿加入协议 N1')
    expect(amend.querySelector('canvas[data-test=amend-sig-resident]')).not.toBeNull()
    page.unmount()
  })

  it('offers the packages a diagnosis brings', async () => {
    const page = mountPage()
    await flushPromises()
    await page.find('[data-test=member-actions-贾年妻] [data-test=start-group]').trigger('click')
    await flushPromises()
    const start = page.findComponent({ name: 'GroupStartDialog' })
    ;(start.vm as unknown as { $: { setupState: { form: { group: string } } } }).$.setupState.form.group = 'diabetes'
    await flushPromises()
    inBody('group-save')!.click()
    await flushPromises()
    expect(calls.startGroup[0]).toMatchObject({ resident_id: 'wife', group: 'diabetes', expected_delivery: null })
    expect(inBody('amend-dialog')!.textContent).toContain('DIAB')
    page.unmount()
  })

  it('shows the contract\'s history as a timeline', async () => {
    const page = mountPage()
    await flushPromises()
    await page.find('[data-test=show-history]').trigger('click')
    await flushPromises()
    const text = inBody('history')!.textContent ?? ''
    expect(text).toContain('签约（协议 N1）')
    expect(text).toContain('贾年母终止服务（死亡）')
    expect(inBody('view-snapshot')).not.toBeNull()
    page.unmount()
  })

  it('records a member moving away with the destination and the day', async () => {
    const page = mountPage()
    await flushPromises()
    await page.find('[data-test=member-actions-贾年妻] [data-test=leave-member]').trigger('click')
    await flushPromises()
    inBody('leave-moved_out')!.querySelector('input')!.click()
    await flushPromises()
    inBody('leave-save')!.click()
    await flushPromises()
    // No destination yet: nothing is sent.
    expect(calls.memberLeave).toBeUndefined()
    expect(inBody('leave-error')!.textContent).toContain('请填写迁往何处')
    const destination = inBody('leave-dialog')!.querySelector<HTMLInputElement>('[data-test=leave-destination] input, input[data-test=leave-destination]')!
    destination.value = '广州'
    destination.dispatchEvent(new Event('input'))
    await flushPromises()
    inBody('leave-save')!.click()
    await flushPromises()
    expect(calls.memberLeave[0]).toMatchObject({ resident_id: 'wife', reason: 'moved_out', destination: '广州', to_household_id: null })
    expect((calls.memberLeave[0] as { on: string }).on).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    page.unmount()
  })

  it('moves the household with its village chosen by code', async () => {
    const page = mountPage()
    await flushPromises()
    await page.find('[data-test=move-household]').trigger('click')
    await flushPromises()
    const move = page.findComponent({ name: 'HouseholdMoveDialog' })
    const state = (move.vm as unknown as { $: { setupState: { form: { village: string; address: string } } } }).$.setupState
    expect(state.form.village).toBe('110101001001')
    state.form.village = '110101001002'
    state.form.address = '西路2号'
    await flushPromises()
    inBody('move-save')!.click()
    await flushPromises()
    expect(calls.moveHousehold[0]).toMatchObject({ household_id: 'h1', village: '110101001002', group: '一组', address: '西路2号' })
    page.unmount()
  })

  it('shows who changed which detail and when, folded until asked for', async () => {
    const page = mountPage()
    await flushPromises()
    expect(calls.fieldHistory).toBeUndefined()
    await page.find('[data-test=toggle-field-history]').trigger('click')
    await flushPromises()
    expect(calls.fieldHistory).toEqual(['h1'])
    const rows = page.findAll('[data-test=field-history-table] .el-table__body tr').map((r) => r.text())
    expect(rows).toHaveLength(4)
    // Newest first, in China time, with the doctor, the member, the field's label and old → new.
    expect(rows[0]).toContain('2026-06-01 10:30')
    expect(rows[0]).toContain('刘医生')
    expect(rows[0]).toContain('贾年妻')
    expect(rows[0]).toContain('电话')
    expect(rows[0]).toContain('13912345678 → 13987654321')
    // Codes in words; a change from another device without a known doctor names the device.
    expect(rows[1]).toContain('设备 A1B2C3D4')
    expect(rows[1]).toContain('登记时：男 → 女')
    expect(rows[2]).toContain('本户')
    expect(rows[2]).toContain('住址')
    expect(rows[3]).toContain('登记时：（空） → 13912345678')
    page.unmount()
  })
})
