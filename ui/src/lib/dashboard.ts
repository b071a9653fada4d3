// Pure helpers of the indicator dashboard: how a rate is written, how long a bar is, where the
// target mark sits, which periods the chooser offers, and targets as the percentages people type.

import type { IndicatorFigure, ReportRow, Targets } from '../api'

/** "66.7%", or "—" when nothing is counted (no denominator). */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—'
  const p = Math.round(rate * 1000) / 10
  return `${Number.isInteger(p) ? p.toFixed(0) : p.toFixed(1)}%`
}

/** Width of a bar in percent of its track: 0–100, whatever the rate. */
export function barWidth(rate: number | null | undefined): number {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return 0
  return Math.min(100, Math.max(0, rate * 100))
}

export type Standing = 'met' | 'below' | 'none'

/** Whether a figure reaches its target; `none` without a target or without anyone counted. */
export function standing(figure: Pick<IndicatorFigure, 'met' | 'target' | 'rate'>): Standing {
  if (figure.target === null || figure.rate === null || figure.met === null) return 'none'
  return figure.met ? 'met' : 'below'
}

/** The figure of one indicator in a row, if the row has it. */
export function figureOf(row: ReportRow | null | undefined, code: string): IndicatorFigure | undefined {
  return row?.figures.find((f) => f.code === code)
}

/** Signing figures first (their codes start with `signing`), then fulfilment and management. */
export function splitFigures(figures: IndicatorFigure[]): { signing: IndicatorFigure[]; service: IndicatorFigure[] } {
  return {
    signing: figures.filter((f) => f.code === 'signing' || f.code.startsWith('signing')),
    service: figures.filter((f) => !(f.code === 'signing' || f.code.startsWith('signing'))),
  }
}

/** Rows for the bars: those with someone counted, highest rate first, ties by name. */
export function barRows(rows: ReportRow[], code: string): { row: ReportRow; figure: IndicatorFigure }[] {
  return rows
    .map((row) => ({ row, figure: figureOf(row, code) }))
    .filter((x): x is { row: ReportRow; figure: IndicatorFigure } => !!x.figure && x.figure.denominator > 0)
    .sort((a, b) => (b.figure.rate ?? 0) - (a.figure.rate ?? 0) || a.row.name.localeCompare(b.row.name, 'zh-CN'))
}

export interface PeriodOption {
  value: string
  /** Locale key and its parameters. */
  key: string
  params: Record<string, string | number>
}

/** Periods offered next to a free entry: this and last month, this quarter, this and last year. */
export function periodOptions(today: string): PeriodOption[] {
  const [y, m] = today.split('-').map(Number)
  if (!y || !m) return []
  const lastMonth = m === 1 ? { y: y - 1, m: 12 } : { y, m: m - 1 }
  const pad = (n: number) => String(n).padStart(2, '0')
  const q = Math.floor((m - 1) / 3) + 1
  return [
    { value: `${y}`, key: 'dashboard.periods.year', params: { y } },
    { value: `${y}-Q${q}`, key: 'dashboard.periods.quarter', params: { y, q } },
    { value: `${y}-${pad(m)}`, key: 'dashboard.periods.month', params: { y, m } },
    { value: `${lastMonth.y}-${pad(lastMonth.m)}`, key: 'dashboard.periods.month', params: { y: lastMonth.y, m: lastMonth.m } },
    { value: `${y - 1}`, key: 'dashboard.periods.year', params: { y: y - 1 } },
  ]
}

/** The keys of the township's targets, in the order the form lists them. */
export const TARGET_KEYS = [
  'signing',
  'households',
  'key_groups',
  'key_chronic',
  'special_groups',
  'poverty_registered',
  'family_planning_special',
  'fulfilment',
  'standard_management',
  'control',
  'elderly_health_management',
  'renewal',
  'contracts_served',
] as const satisfies readonly (keyof Targets)[]

export type TargetKey = (typeof TARGET_KEYS)[number]

/** Targets as whole percentages for the form (null: no target). */
export function targetsToPercent(targets: Targets): Record<TargetKey, number | null> {
  const out = {} as Record<TargetKey, number | null>
  for (const key of TARGET_KEYS) {
    const v = targets[key]
    out[key] = v === null || v === undefined ? null : Math.round(v * 1000) / 10
  }
  return out
}

/** Percentages typed in the form back to fractions; null when a value is out of 0–100. */
export function percentToTargets(values: Record<TargetKey, number | null | undefined>): Targets | null {
  const out = {} as Targets
  for (const key of TARGET_KEYS) {
    const v = values[key]
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      out[key] = null
      continue
    }
    if (typeof v !== 'number' || v < 0 || v > 100) return null
    out[key] = Math.round(v * 10) / 1000
  }
  return out
}

/**
 * Residents answered for and services delivered per row (at the doctor level by the team member
 * who served, nurses and public-health workers included), most services first. Rows with
 * neither are left out.
 */
export function serviceRows(rows: ReportRow[]): { name: string; residents: number; services: number }[] {
  return rows
    .map((row) => ({ name: row.name, residents: figureOf(row, 'signing')?.denominator ?? 0, services: row.services }))
    .filter((r) => r.residents > 0 || r.services > 0)
    .sort((a, b) => b.services - a.services || a.name.localeCompare(b.name, 'zh-CN'))
}
