// The record sheet of a visit as the form shows it: which vitals it asks, the answers started
// from the last visit's carried-over ones, the answers checked as the core checks them (so a
// mistake shows beside its field before saving) and the year's readings as CSS bars.

import type { AnswerValue, FormField, Reading, VisitForm, VitalSign } from '../api'
import type { VitalField } from './vitals'

/** Every vital, the order the form shows them in: what a kind without a form asks. */
export const ALL_VITAL_FIELDS: VitalField[] = ['systolic', 'diastolic', 'heart_rate', 'fasting_glucose', 'height', 'weight', 'waist']

const VITAL_FIELDS: Record<VitalSign, VitalField[]> = {
  blood_pressure: ['systolic', 'diastolic'],
  heart_rate: ['heart_rate'],
  fasting_glucose: ['fasting_glucose'],
  height: ['height'],
  weight: ['weight'],
  waist: ['waist'],
}

/** The vital inputs a form asks; all of them when the kind has no form. */
export function vitalFieldsOf(form: VisitForm | null | undefined): VitalField[] {
  if (!form) return ALL_VITAL_FIELDS
  return form.vitals.flatMap((v) => VITAL_FIELDS[v])
}

/** What an input holds: null while empty. */
export type FormAnswers = Record<string, AnswerValue | null>

/** One entry per field: the carried-over answer where there is one, else empty (a multiple
 *  choice as an empty list, which its checkbox group needs). */
export function initialAnswers(form: VisitForm | null | undefined, prefill: Partial<Record<string, AnswerValue>>): FormAnswers {
  const out: FormAnswers = {}
  for (const f of form?.fields ?? []) {
    const given = prefill[f.code]
    out[f.code] = given !== undefined ? given : f.type === 'multi_choice' ? [] : null
  }
  return out
}

function blank(a: AnswerValue | null | undefined): boolean {
  if (a === null || a === undefined) return true
  if (typeof a === 'string') return a.trim() === ''
  if (Array.isArray(a)) return a.length === 0
  return typeof a === 'number' && Number.isNaN(a)
}

/** The answers to send: empty ones left out, texts trimmed. */
export function answersToSend(form: VisitForm | null | undefined, answers: FormAnswers): Record<string, AnswerValue> {
  const out: Record<string, AnswerValue> = {}
  for (const f of form?.fields ?? []) {
    const a = answers[f.code]
    if (blank(a)) continue
    out[f.code] = typeof a === 'string' ? a.trim() : (a as AnswerValue)
  }
  return out
}

export type FieldIssue =
  | { field: string; kind: 'required' }
  | { field: string; kind: 'range'; min: number; max: number }
  | { field: string; kind: 'long'; max: number }
  | { field: string; kind: 'after'; day: string }

export interface MeasuredVitals { systolic?: number | null; diastolic?: number | null; fasting_glucose?: number | null }

/** Whether a required field with a derivation will be taken from the vitals measured. */
function derivable(f: FormField, v: MeasuredVitals): boolean {
  if (f.derive === 'bp_control') return v.systolic != null && v.diastolic != null
  if (f.derive === 'glucose_control') return v.fasting_glucose != null
  return false
}

/** The issues of the answers as the core would find them, one per field at most; `visitDay`
 *  is the visit's day (YYYY-MM-DD) a next-visit date must come after. */
export function checkAnswers(form: VisitForm | null | undefined, answers: FormAnswers, vitals: MeasuredVitals, visitDay: string): FieldIssue[] {
  const issues: FieldIssue[] = []
  for (const f of form?.fields ?? []) {
    const a = answers[f.code]
    if (blank(a)) {
      if (f.required && !derivable(f, vitals)) issues.push({ field: f.code, kind: 'required' })
      continue
    }
    if (f.type === 'number' && typeof a === 'number') {
      const min = f.min ?? 0
      const max = f.max ?? 0
      if (!Number.isFinite(a) || a < min || a > max) issues.push({ field: f.code, kind: 'range', min, max })
    } else if (f.type === 'text' && typeof a === 'string') {
      const max = f.max_chars ?? 500
      if ([...a].length > max) issues.push({ field: f.code, kind: 'long', max })
    } else if (f.type === 'date' && typeof a === 'string' && f.after_visit && a <= visitDay) {
      issues.push({ field: f.code, kind: 'after', day: visitDay })
    }
  }
  return issues
}

/** The label of a field or option in the user's language. */
export function labelOf(x: { label: string; label_en: string }, lang: string): string {
  return lang.startsWith('zh') ? x.label : x.label_en
}

export interface TrendBar { on: string; text: string; width: number; high: boolean }

/** Bars for the blood pressure (systolic, on 60–220 mmHg) and glucose (on 0–20 mmol/L)
 *  readings, oldest first; `high` when off target (≥140/90, ≥7.0). */
export function trendBars(readings: Reading[]): { bp: TrendBar[]; glucose: TrendBar[] } {
  const pct = (v: number, lo: number, hi: number) => Math.round(Math.min(100, Math.max(4, ((v - lo) / (hi - lo)) * 100)))
  const bp: TrendBar[] = []
  const glucose: TrendBar[] = []
  for (const r of readings) {
    if (r.systolic_mmhg != null && r.diastolic_mmhg != null) {
      bp.push({
        on: r.on,
        text: `${r.systolic_mmhg}/${r.diastolic_mmhg}`,
        width: pct(r.systolic_mmhg, 60, 220),
        high: r.systolic_mmhg >= 140 || r.diastolic_mmhg >= 90,
      })
    }
    if (r.fasting_glucose_mmol_l != null) {
      glucose.push({ on: r.on, text: `${r.fasting_glucose_mmol_l}`, width: pct(r.fasting_glucose_mmol_l, 0, 20), high: r.fasting_glucose_mmol_l >= 7 })
    }
  }
  return { bp, glucose }
}

/** The newest reading, shown beside the vitals. */
export function lastReading(readings: Reading[]): Reading | null {
  return readings.length ? readings[readings.length - 1] : null
}

/** The calendar day in China (YYYY-MM-DD) at an instant: the day a visit saved now belongs to. */
export function chinaDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}
