// Feedback where the eye is, against a stand-in backend: each message shows beside the step,
// field or button that caused it, goes once its cause is edited, and no toast repeats what the
// page already says.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { useElement } from '../plugins/element'
import { i18n } from '../i18n'
import { ApiError, type DueEntry, type HouseholdView as Household, type ImportOutcome, type ImportPreview, type VisitFormView } from '../api'

const preview = (over: Partial<ImportPreview> = {}): ImportPreview => ({
  file_sha256: 'abc', sheets: ['台账'], sheet: '台账', header_row: 3,
  columns: [
    { index: 0, letter: 'A', header: '姓名', field: 'name', field_label: '姓名', overridden: false },
    { index: 1, letter: 'B', header: '村', field: 'village', field_label: '村', overridden: false },
  ],
  rows: 4, households: 2, residents: 3, importable_households: 2, importable_residents: 3, errors: 0, warnings: 0,
  members_with_errors: 0, households_with_errors: 0, issues: [],
  skipped_rows: [{ sheet: '台账', row: 9, reason: 'total', message: '合计行', text: '合计' }],
  household_list: [], can_import: true, ...over,
})

const due: DueEntry = {
  resident_name: '贾年', household_id: 'h1', village_id: 'v1', village: '东村', package_name: '高血压包', item_name: '高血压随访',
  contract_id: 'c1', resident_id: 'head', package_code: 'HTN', item_code: 'htn', status: 'due', occurrence: 1, times_per_year: 4,
  delivered: 0, missed: 0, opens_on: '2026-01-01', due_by: '2026-03-31', anchor: 'term', anchored_on: null,
}
const sheet: VisitFormView = {
  kind: 'hypertension_follow_up', kind_label: '高血压随访', version: '1',
  form: { kind: 'hypertension_follow_up', title: '高血压患者随访服务记录表', title_en: 'Hypertension', vitals: ['blood_pressure'], fields: [] },
  prefill: {}, prefill_from: null, readings: [],
}

const household: Household = {
  id: 'h1', village_id: 'v1', village: '东村', group: '一组', address: '东路1号', record_number: null,
  members: [
    { id: 'head', name: '贾年', relation: 'head', sex: 'male', birth_date: '1980-04-12', age: 46, id_number: null, id_number_missing: true, phone: null, groups: [], covered_by: 'N1' },
  ],
  contracts: [{
    id: 'c1', agreement_number: 'N1', status: 'active', in_force: true, doctor_id: 'd1', member_ids: ['head'], verification_code: 'V',
    term: { start: '2026-01-01', end: '2026-12-31', policy: 'calendar_year', auto_renew: true },
  }],
}

const backend = vi.hoisted(() => ({
  previewImport: null as null | ((request: { mapping: Record<string, string> }) => Promise<unknown>),
  importRoster: null as null | (() => Promise<unknown>),
  recordVisit: null as null | (() => Promise<unknown>),
  terminate: vi.fn(),
  registerHousehold: null as null | (() => Promise<unknown>),
}))

vi.mock('../api', async (importOriginal) => {
  const original = await importOriginal<typeof import('../api')>()
  return {
    ...original,
    onImportProgress: vi.fn(async () => () => {}),
    api: {
      villages: vi.fn(async () => [{ id: 'v1', code: '110101001001', name: '东村', township: '城关镇' }]),
      stageImport: vi.fn(async () => '/staged/roster.xlsx'),
      previewImport: vi.fn((request: { mapping: Record<string, string> }) => backend.previewImport!(request)),
      importRoster: vi.fn(() => backend.importRoster!()),
      dueForHousehold: vi.fn(async () => [due]),
      visitTeam: vi.fn(async () => ({ team_id: 't1', team_name: '一队', members: [], default_member: null })),
      visitForm: vi.fn(async () => sheet),
      recordVisit: vi.fn(() => backend.recordVisit!()),
      draftLoad: vi.fn(async () => null),
      draftSave: vi.fn(async () => {}),
      draftClear: vi.fn(async () => {}),
      deviceKind: vi.fn(async () => ({ demo: false })),
      syncOverview: vi.fn(async () => ({ pending_changes: 0, last_sync_at: null, enrolled: false, open_refusals: 0, last_error: null, syncing: false })),
      household: vi.fn(async () => household),
      teams: vi.fn(async () => []),
      terminate: backend.terminate,
      registerHousehold: vi.fn(() => backend.registerHousehold!()),
    },
  }
})

import ImportView from './ImportView.vue'
import VisitView from './VisitView.vue'
import ChangeView from './ChangeView.vue'
import RegisterView from './RegisterView.vue'
import HouseholdMoveDialog from './household/HouseholdMoveDialog.vue'

function mountView<P>(view: unknown, props: P): VueWrapper {
  return mount(view as never, { props: props as never, attachTo: document.body, global: { plugins: [i18n, { install: useElement }] } })
}

/** Where a message sits: the data-test of the nearest section that holds it. */
function shown(page: VueWrapper, test: string): string[] {
  return page.findAll(`[data-test=${test}]`).map((w) => w.text()).filter((x) => x)
}

/** Element Plus shows and hides a field's message 100 ms after its state changes. */
async function settle() {
  await flushPromises()
  await new Promise((r) => setTimeout(r, 150))
  await flushPromises()
}

async function pickFile(page: VueWrapper) {
  const input = page.find('[data-test=import-file]')
  Object.defineProperty(input.element, 'files', {
    // jsdom's File has no arrayBuffer(): what the view reads of it.
    value: [{ name: '台账.xlsx', arrayBuffer: async () => new Uint8Array([1, 2]).buffer }],
    configurable: true,
  })
  await input.trigger('change')
  await flushPromises()
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  document.body.innerHTML = ''
  HTMLCanvasElement.prototype.getContext = (() => null) as never
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver
  backend.previewImport = async () => preview()
  backend.importRoster = async () => ({ imported: true, households: 2, residents: 3, skipped_households: 0, skipped_residents: 0, preview: preview() }) satisfies ImportOutcome
  backend.recordVisit = async () => ({ visit_id: 'v', recorded_at: '2026-03-01T02:00:00Z', bmi: null, bp_on_target: true, glucose_on_target: null, next_due: null })
  backend.terminate.mockReset()
  backend.registerHousehold = async () => ({ saved: true, household_id: 'h9', duplicates: [], unprintable: [] })
})

describe('the import', () => {
  it('shows a column change the file refuses under the columns, gone once the file reads again', async () => {
    const page = mountView(ImportView, {})
    await pickFile(page)
    backend.previewImport = async () => {
      throw new ApiError('invalid_input', '“姓名”列选了两次')
    }
    const select = page.findAllComponents({ name: 'ElSelect' }).find((c) => c.element.closest('[data-test=column-A]'))!
    select.vm.$emit('update:modelValue', 'head_name')
    await flushPromises()
    const columns = page.find('[data-test=import-columns]').element
    const message = page.find('[data-test=import-error]').element
    expect(message.textContent).toContain('“姓名”列选了两次')
    // Right after the columns it is about, not under the file row at the top.
    expect(columns.nextElementSibling).toBe(message)
    backend.previewImport = async () => preview()
    select.vm.$emit('update:modelValue', 'name')
    await flushPromises()
    expect(shown(page, 'import-error')).toEqual([])
    page.unmount()
  })

  it('shows what the import did beside its button, rows left out counted', async () => {
    const page = mountView(ImportView, {})
    await pickFile(page)
    await page.find('[data-test=import-confirm]').trigger('click')
    await flushPromises()
    const bar = page.find('[data-test=import-bar]')
    const done = bar.find('[data-test=import-done]')
    expect(done.exists()).toBe(true)
    expect(done.text()).toContain('已导入 2 户 3 人')
    expect(done.text()).toContain('另有 1 行不是居民')
    page.unmount()
  })

  it('shows a refused import beside its button, not at the top of the page', async () => {
    const page = mountView(ImportView, {})
    await pickFile(page)
    backend.importRoster = async () => {
      throw new ApiError('invalid_input', '文件已改变，请重新读取')
    }
    await page.find('[data-test=import-confirm]').trigger('click')
    await flushPromises()
    expect(page.find('[data-test=import-bar] [data-test=import-error]').text()).toContain('文件已改变')
    expect(shown(page, 'import-error')).toHaveLength(1)
    page.unmount()
  })
})

async function visitPage() {
  const page = mountView(VisitView, { householdId: 'h1' })
  await flushPromises()
  await flushPromises()
  return page
}

async function typeVital(page: VueWrapper, field: string, value: string) {
  const input = page.find(`[data-test=vital-${field}] input, input[data-test=vital-${field}]`)
  await input.setValue(value)
  await input.trigger('change')
  await settle()
}

function fieldError(page: VueWrapper, field: string): string {
  const item = page.find(`[data-test=vital-${field}]`).element.closest('.el-form-item')!
  return item.querySelector('.el-form-item__error')?.textContent?.trim() ?? ''
}

describe('the visit form', () => {
  it('flags a value out of range under its field and never judges it, until it is fixed', async () => {
    const page = await visitPage()
    await typeVital(page, 'systolic', '1350')
    await typeVital(page, 'diastolic', '85')
    expect(fieldError(page, 'systolic')).toContain('超出合理范围')
    expect(page.findAll('.el-form-item__error')).toHaveLength(1)
    expect(page.find('[data-test=visit-judged]').text()).toBe('')
    await page.find('form').trigger('submit')
    await settle()
    expect(shown(page, 'visit-error')).toEqual([])
    expect(page.findAll('.el-form-item__error')).toHaveLength(1)
    await typeVital(page, 'systolic', '135')
    expect(page.findAll('.el-form-item__error')).toHaveLength(0)
    expect(page.find('[data-test=visit-judged]').text()).toContain('血压达标')
    page.unmount()
  })

  it('shows a refused save beside the save button, gone once the form is edited', async () => {
    const page = await visitPage()
    backend.recordVisit = async () => {
      throw new ApiError('invalid_input', '服务人员不在本团队')
    }
    await page.find('form').trigger('submit')
    await flushPromises()
    const error = page.find('[data-test=visit-error]')
    expect(error.text()).toContain('服务人员不在本团队')
    expect(page.find('[data-test=visit-save]').element.closest('.actions')!.nextElementSibling).toBe(error.element)
    await page.find('[data-test=visit-notes] textarea, textarea[data-test=visit-notes]').setValue('复查')
    await flushPromises()
    expect(shown(page, 'visit-error')).toEqual([])
    page.unmount()
  })
})

describe('validation messages go once their cause is edited', () => {
  it('terminate: the missing reason goes when a reason is chosen', async () => {
    const page = mountView(ChangeView, { householdId: 'h1', contractId: 'c1', action: 'terminate' })
    await flushPromises()
    await page.find('form').trigger('submit')
    await flushPromises()
    expect(page.find('[data-test=change-error]').text()).toContain('请选择解约原因')
    await page.find('[data-test=reason] input').setValue(true)
    await flushPromises()
    expect(page.find('[data-test=change-error]').exists()).toBe(false)
    page.unmount()
  })

  it('register: a field\'s message goes as it is typed in, and a refusal shows beside the save button', async () => {
    const page = mountView(RegisterView, {})
    await flushPromises()
    await page.find('form').trigger('submit')
    await settle()
    const nameItem = () => page.find('[data-test=member-0] [data-test=name]').element.closest('.el-form-item')!
    expect(nameItem().querySelector('.el-form-item__error')?.textContent).toContain('请填写姓名')
    expect(document.querySelector('.el-message')).toBeNull()
    await page.find('[data-test=member-0] [data-test=name] input, [data-test=member-0] input[data-test=name]').setValue('贾年')
    await settle()
    expect(nameItem().querySelector('.el-form-item__error')).toBeNull()

    backend.registerHousehold = async () => {
      throw new ApiError('duplicate_id_number', '身份证号已登记')
    }
    const form = (page.vm as unknown as { $: { setupState: { form: { village: string; address: string; members: Record<string, unknown>[] } } } }).$.setupState.form
    Object.assign(form, { village: '110101001001', address: '东路1号' })
    Object.assign(form.members[0], { noIdNumber: true, birthDate: '1980-04-12', sex: 'male', relation: 'head' })
    await flushPromises()
    await page.find('form').trigger('submit')
    await settle()
    const refusal = page.find('[data-test=server-error]')
    expect(refusal.text()).toContain('身份证号已登记')
    expect(page.find('[data-test=save-household]').element.closest('.actions')!.nextElementSibling).toBe(refusal.element)
    form.address = '东路2号'
    await flushPromises()
    expect(page.find('[data-test=server-error]').exists()).toBe(false)
    page.unmount()
  })

  it('a household dialog: the missing address goes as one is typed', async () => {
    const page = mountView(HouseholdMoveDialog, { household, open: false })
    await page.setProps({ open: true })
    await flushPromises()
    const address = document.querySelector<HTMLInputElement>('[data-test=move-address] input, input[data-test=move-address]')!
    address.value = ''
    address.dispatchEvent(new Event('input'))
    await flushPromises()
    document.querySelector<HTMLElement>('[data-test=move-save]')!.click()
    await flushPromises()
    expect(document.querySelector('[data-test=move-error]')?.textContent).toBeTruthy()
    address.value = '西路2号'
    address.dispatchEvent(new Event('input'))
    await flushPromises()
    expect(document.querySelector('[data-test=move-error]')).toBeNull()
    page.unmount()
  })
})
