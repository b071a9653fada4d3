// The household page's referral and survey sections against a stand-in backend: a return is
// offered only for a referral still out, and the survey form is drawn from the questionnaire's
// data with one radio group per question, refusing to send until every question is answered.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { useElement } from '../../plugins/element'
import { i18n } from '../../i18n'
import type { MemberView, Questionnaire, ReferralRow } from '../../api'

const calls: Record<string, unknown[]> = {}
const record = (name: string, arg: unknown) => void (calls[name] ??= []).push(arg)

const members: MemberView[] = [
  { id: 'head', name: '贾年', relation: 'head', sex: 'male', birth_date: '1980-04-12', age: 46, id_number: null, id_number_missing: true, phone: null, groups: [], covered_by: 'N1' },
  { id: 'wife', name: '贾年妻', relation: 'spouse', sex: 'female', birth_date: '1986-09-21', age: 40, id_number: null, id_number_missing: true, phone: null, groups: [], covered_by: 'N1' },
]

const referral = (over: Partial<ReferralRow>): ReferralRow => ({
  referral_id: 'r1', resident_id: 'head', resident_name: '贾年', to_institution: '县人民医院', reason: '胸痛待查',
  referred_on: '2026-06-01', urgency: 'urgent', urgency_label: '紧急', doctor_id: 'd1', doctor_name: '刘医生',
  recorded_at: '2026-06-01T02:00:00Z', open: true, back: null, ...over,
})

const referrals: ReferralRow[] = [
  referral({ referral_id: 'r2', referred_on: '2026-07-01', reason: '骨折' }),
  referral({
    open: false,
    back: { back_id: 'b1', returned_on: '2026-06-10', follow_up_plan: '每周随访', doctor_id: 'd1', doctor_name: '刘医生', recorded_at: '' },
  }),
]

const choices = [
  { code: 'satisfied', label: '满意', label_en: 'Satisfied', points: 2 },
  { code: 'fairly', label: '基本满意', label_en: 'Fairly satisfied', points: 1 },
  { code: 'unsatisfied', label: '不满意', label_en: 'Not satisfied', points: 0 },
]
const questionnaire: Questionnaire = {
  version: '2026', title: '满意度调查（2026年）', title_en: 'Survey',
  questions: [
    { code: 'overall', text: '总体是否满意？', text_en: 'Overall?', choices },
    { code: 'attitude', text: '服务态度是否满意？', text_en: 'Manner?', choices },
  ],
}

vi.mock('../../api', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../api')>()
  return {
    ...original,
    api: {
      householdReferrals: vi.fn(async () => referrals),
      recordReferralBack: vi.fn(async (request: unknown) => {
        record('recordReferralBack', request)
        return referrals[0]
      }),
      householdSurveys: vi.fn(async () => []),
      surveyQuestionnaire: vi.fn(async () => questionnaire),
      recordSurvey: vi.fn(async (request: unknown) => {
        record('recordSurvey', request)
        return {}
      }),
      syncOverview: vi.fn(async () => ({ pending_changes: 0, last_sync_at: null, enrolled: false, open_refusals: 0, last_error: null, syncing: false })),
    },
  }
})

import Referrals from './Referrals.vue'
import Survey from './Survey.vue'

const global = { plugins: [i18n, { install: useElement }] }

function inBody(test: string): HTMLElement | null {
  return document.body.querySelector(`[data-test=${test}]`)
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  for (const k of Object.keys(calls)) delete calls[k]
  document.body.innerHTML = ''
})

describe('the household referrals', () => {
  it('shows each referral with its return, and records a return for one still out', async () => {
    const section = mount(Referrals, { props: { householdId: 'h1', members, version: 0 }, attachTo: document.body, global })
    await flushPromises()
    const table = section.find('[data-test=referrals-table]').text()
    expect(table).toContain('县人民医院')
    expect(table).toContain('2026-06-10 转回')
    expect(table).toContain('每周随访')
    const backs = section.findAll('[data-test=referral-back]')
    expect(backs).toHaveLength(1)
    await backs[0].trigger('click')
    await flushPromises()
    const plan = inBody('referral-back-dialog')!.querySelector<HTMLTextAreaElement>('textarea')!
    plan.value = '按医嘱服药，两周后复查'
    plan.dispatchEvent(new Event('input'))
    await flushPromises()
    inBody('referral-back-save')!.click()
    await flushPromises()
    expect(calls.recordReferralBack[0]).toMatchObject({ referral_id: 'r2', follow_up_plan: '按医嘱服药，两周后复查' })
    section.unmount()
  })
})

describe('the satisfaction survey', () => {
  it('draws the questions from the questionnaire and sends every answer in order', async () => {
    const section = mount(Survey, { props: { householdId: 'h1', members, signed: true, version: 0 }, attachTo: document.body, global })
    await flushPromises()
    await section.find('[data-test=survey-start]').trigger('click')
    await flushPromises()
    const dialog = inBody('survey-dialog')!
    expect(dialog.textContent).toContain('1. 总体是否满意？')
    expect(dialog.textContent).toContain('2. 服务态度是否满意？')
    expect(dialog.querySelectorAll('[data-test=survey-q-overall] input[type=radio]')).toHaveLength(3)

    dialog.querySelectorAll<HTMLInputElement>('[data-test=survey-q-attitude] input[type=radio]')[1].click()
    await flushPromises()
    inBody('survey-save')!.click()
    await flushPromises()
    expect(calls.recordSurvey).toBeUndefined()
    expect(inBody('survey-error')!.textContent).toContain('第 1 题还没有选择')

    dialog.querySelectorAll<HTMLInputElement>('[data-test=survey-q-overall] input[type=radio]')[0].click()
    await flushPromises()
    inBody('survey-save')!.click()
    await flushPromises()
    expect(calls.recordSurvey[0]).toMatchObject({
      household_id: 'h1',
      answered_by: 'head',
      questionnaire_version: '2026',
      answers: [
        { question: 'overall', choice: 'satisfied' },
        { question: 'attitude', choice: 'fairly' },
      ],
    })
    section.unmount()
  })

  it('is not offered to a household without a contract in force', async () => {
    const section = mount(Survey, { props: { householdId: 'h1', members, signed: false, version: 0 }, global })
    await flushPromises()
    expect(section.find('[data-test=survey-start]').attributes('disabled')).toBeDefined()
    expect(section.text()).toContain('不做满意度调查')
    section.unmount()
  })
})
