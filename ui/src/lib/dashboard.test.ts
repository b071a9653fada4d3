import { describe, expect, it } from 'vitest'
import type { IndicatorFigure, ReportRow, Targets } from '../api'
import { barRows, barWidth, percent, percentToTargets, periodOptions, serviceRows, splitFigures, standing, targetsToPercent } from './dashboard'

function fig(code: string, numerator: number, denominator: number, target: number | null = null): IndicatorFigure {
  const rate = denominator ? numerator / denominator : null
  return {
    code,
    name: code,
    formula: '',
    numerator,
    denominator,
    rate,
    target,
    met: target === null || rate === null ? null : rate >= target,
  }
}

function row(name: string, figures: IndicatorFigure[], services = 0): ReportRow {
  return { level: 'village', id: name, code: name, name, figures, services }
}

describe('the dashboard helpers', () => {
  it('write rates as percentages with at most one decimal', () => {
    expect(percent(2 / 3)).toBe('66.7%')
    expect(percent(0.5)).toBe('50%')
    expect(percent(1)).toBe('100%')
    expect(percent(0)).toBe('0%')
    expect(percent(null)).toBe('—')
    expect(percent(Number.NaN)).toBe('—')
  })

  it('keep bars inside their track', () => {
    expect(barWidth(0.25)).toBe(25)
    expect(barWidth(1.7)).toBe(100)
    expect(barWidth(-1)).toBe(0)
    expect(barWidth(null)).toBe(0)
  })

  it('say whether a figure reaches its target', () => {
    expect(standing(fig('signing', 3, 10, 0.3))).toBe('met')
    expect(standing(fig('signing', 2, 10, 0.3))).toBe('below')
    expect(standing(fig('signing', 2, 10))).toBe('none')
    expect(standing(fig('signing', 0, 0, 0.3))).toBe('none')
  })

  it('show signing first and sort bars by rate, leaving out rows with nobody counted', () => {
    const split = splitFigures([fig('fulfilment', 1, 2), fig('signing', 1, 2), fig('signing.elderly_65', 1, 1), fig('signing_households', 1, 1)])
    expect(split.signing.map((f) => f.code)).toEqual(['signing', 'signing.elderly_65', 'signing_households'])
    expect(split.service.map((f) => f.code)).toEqual(['fulfilment'])
    const rows = [row('东庄村', [fig('signing', 1, 4)]), row('西庄村', [fig('signing', 3, 4)]), row('南庄村', [fig('signing', 0, 0)])]
    expect(barRows(rows, 'signing').map((x) => x.row.name)).toEqual(['西庄村', '东庄村'])
    expect(barRows(rows, 'fulfilment')).toEqual([])
  })

  it('offer this year, quarter and month, last month and last year', () => {
    expect(periodOptions('2026-11-23').map((o) => o.value)).toEqual(['2026', '2026-Q4', '2026-11', '2026-10', '2025'])
    expect(periodOptions('2027-01-05').map((o) => o.value)).toEqual(['2027', '2027-Q1', '2027-01', '2026-12', '2026'])
    expect(periodOptions('')).toEqual([])
  })

  it('turn targets into percentages and back, refusing values outside 0–100', () => {
    const targets: Targets = {
      signing: 0.3,
      households: 0.8,
      key_groups: 0.6,
      key_chronic: 0.9,
      special_groups: null,
      poverty_registered: 1,
      family_planning_special: 1,
      fulfilment: 0.9,
      standard_management: null,
      control: null,
      elderly_health_management: 0.675,
      renewal: 0.95,
      contracts_served: null,
    }
    const shown = targetsToPercent(targets)
    expect(shown.signing).toBe(30)
    expect(shown.elderly_health_management).toBe(67.5)
    expect(shown.renewal).toBe(95)
    expect(shown.special_groups).toBeNull()
    expect(percentToTargets(shown)).toEqual(targets)
    expect(percentToTargets({ ...shown, signing: 120 })).toBeNull()
    expect(percentToTargets({ ...shown, signing: -1 })).toBeNull()
    expect(percentToTargets({ ...shown, signing: undefined })?.signing).toBeNull()
  })

  it('list residents and services per row, most services first, empty rows left out', () => {
    const rows = [
      row('刘医生', [fig('signing', 1, 1)], 2),
      row('孙护士', [fig('signing', 0, 0)], 3),
      row('钱公卫', [fig('signing', 0, 0)], 0),
    ]
    expect(serviceRows(rows)).toEqual([
      { name: '孙护士', residents: 0, services: 3 },
      { name: '刘医生', residents: 1, services: 2 },
    ])
  })
})
