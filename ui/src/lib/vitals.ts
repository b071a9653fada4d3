// Plausible ranges of the vitals, mirrored from the domain core so the form can flag a typing
// mistake before the backend does. Values outside them are typing mistakes, not patients.

export type VitalField = 'systolic' | 'diastolic' | 'heart_rate' | 'fasting_glucose' | 'height' | 'weight' | 'waist'

export const VITAL_RANGES: Record<VitalField, [number, number]> = {
  systolic: [60, 280],
  diastolic: [30, 160],
  heart_rate: [25, 250],
  fasting_glucose: [1, 35],
  height: [30, 250],
  weight: [1, 300],
  waist: [30, 200],
}

export type VitalsForm = Partial<Record<VitalField, number | null>>

export type VitalIssue =
  | { field: VitalField; kind: 'range'; min: number; max: number }
  | { field: VitalField; kind: 'inverted' }
  | { field: VitalField; kind: 'pair' }

export function checkVitals(v: VitalsForm): VitalIssue[] {
  const issues: VitalIssue[] = []
  for (const field of Object.keys(VITAL_RANGES) as VitalField[]) {
    const value = v[field]
    if (value === null || value === undefined) continue
    const [min, max] = VITAL_RANGES[field]
    if (!Number.isFinite(value) || value < min || value > max) issues.push({ field, kind: 'range', min, max })
  }
  const s = v.systolic ?? null
  const d = v.diastolic ?? null
  if (s !== null && d !== null && s <= d) issues.push({ field: 'systolic', kind: 'inverted' })
  if ((s === null) !== (d === null)) issues.push({ field: s === null ? 'systolic' : 'diastolic', kind: 'pair' })
  return issues
}

/** Whether a value typed in `field` is one to judge: present and in its plausible range. */
export function usable(v: VitalsForm, field: VitalField): boolean {
  const value = v[field]
  if (value === null || value === undefined || !Number.isFinite(value)) return false
  const [min, max] = VITAL_RANGES[field]
  return value >= min && value <= max
}

/** Body-mass index with one decimal, when height (cm) and weight (kg) are known and plausible:
 *  a typing mistake is flagged under its field, never turned into a figure. */
export function bmi(v: VitalsForm): number | null {
  if (!usable(v, 'height') || !usable(v, 'weight')) return null
  const m = v.height! / 100
  return Math.round((v.weight! / (m * m)) * 10) / 10
}

/** Whether the pressure is on target (<140/90); null while either value is missing or invalid
 *  (out of range, or systolic not above diastolic), so a value is flagged or judged, never both. */
export function bpOnTarget(v: VitalsForm): boolean | null {
  if (!usable(v, 'systolic') || !usable(v, 'diastolic') || v.systolic! <= v.diastolic!) return null
  return v.systolic! < 140 && v.diastolic! < 90
}
