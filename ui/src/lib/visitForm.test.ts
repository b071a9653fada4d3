import { describe, expect, it } from 'vitest'
import type { FormField, Reading, VisitForm } from '../api'
import { ALL_VITAL_FIELDS, answersToSend, chinaDay, checkAnswers, initialAnswers, lastReading, trendBars, vitalFieldsOf } from './visitForm'

function field(code: string, type: FormField['type'], more: Partial<FormField> = {}): FormField {
  return {
    code, label: code, label_en: code, type, required: false, options: [], min: null, max: null, unit: '',
    max_chars: null, after_visit: false, carry_over: false, derive: null, ...more,
  }
}

const opts = (...codes: string[]) => codes.map((code) => ({ code, label: code, label_en: code }))

const hypertension: VisitForm = {
  kind: 'hypertension_follow_up', title: '高血压患者随访服务记录表', title_en: 'Hypertension follow-up',
  vitals: ['blood_pressure', 'height', 'weight'],
  fields: [
    field('symptoms', 'multi_choice', { options: opts('none', 'headache') }),
    field('smoking', 'number', { min: 0, max: 100, carry_over: true }),
    field('medication', 'text', { max_chars: 5, carry_over: true }),
    field('classification', 'choice', { required: true, derive: 'bp_control', options: opts('satisfactory', 'unsatisfactory') }),
    field('next_visit', 'date', { after_visit: true }),
  ],
}

describe('visit forms', () => {
  it('ask the vitals the form names, all of them without a form', () => {
    expect(vitalFieldsOf(hypertension)).toEqual(['systolic', 'diastolic', 'height', 'weight'])
    expect(vitalFieldsOf({ ...hypertension, vitals: [] })).toEqual([])
    expect(vitalFieldsOf(null)).toEqual(ALL_VITAL_FIELDS)
  })

  it('start from the carried-over answers, a multiple choice as a list', () => {
    const a = initialAnswers(hypertension, { smoking: 10, medication: '氨氯地平' })
    expect(a).toEqual({ symptoms: [], smoking: 10, medication: '氨氯地平', classification: null, next_visit: null })
    expect(answersToSend(hypertension, { ...a, medication: '  药  ' })).toEqual({ smoking: 10, medication: '药' })
  })

  it('flag each field as the core would, and nothing once fixed', () => {
    const bp = { systolic: 135, diastolic: 85 }
    const answers = initialAnswers(hypertension, {})
    // The classification follows the blood pressure when it is measured.
    expect(checkAnswers(hypertension, answers, bp, '2026-12-07')).toEqual([])
    expect(checkAnswers(hypertension, answers, {}, '2026-12-07')).toEqual([{ field: 'classification', kind: 'required' }])
    const bad = { ...answers, smoking: 400, medication: '一二三四五六', next_visit: '2026-12-07' }
    expect(checkAnswers(hypertension, bad, bp, '2026-12-07')).toEqual([
      { field: 'smoking', kind: 'range', min: 0, max: 100 },
      { field: 'medication', kind: 'long', max: 5 },
      { field: 'next_visit', kind: 'after', day: '2026-12-07' },
    ])
    const fixed = { ...bad, smoking: 4, medication: '一二三四五', next_visit: '2027-03-07' }
    expect(checkAnswers(hypertension, fixed, bp, '2026-12-07')).toEqual([])
  })

  it('date the visit by the China day', () => {
    expect(chinaDay(new Date('2026-12-06T17:00:00Z'))).toBe('2026-12-07')
    expect(chinaDay(new Date('2026-12-07T15:59:00Z'))).toBe('2026-12-07')
  })

  it('draw the year as bars, off target marked, the newest last', () => {
    const r = (on: string, s: number | null, d: number | null, g: number | null): Reading => ({
      on, occurred_at: `${on}T04:00:00Z`, systolic_mmhg: s, diastolic_mmhg: d, fasting_glucose_mmol_l: g,
    })
    const readings = [r('2026-03-02', 152, 96, null), r('2026-06-02', 135, 85, 6.1), r('2026-09-02', null, null, 8)]
    const { bp, glucose } = trendBars(readings)
    expect(bp.map((b) => [b.text, b.high])).toEqual([['152/96', true], ['135/85', false]])
    expect(bp[0].width).toBeGreaterThan(bp[1].width)
    expect(glucose.map((b) => [b.on, b.high])).toEqual([['2026-06-02', false], ['2026-09-02', true]])
    expect(lastReading(readings)?.on).toBe('2026-09-02')
    expect(lastReading([])).toBeNull()
  })
})
