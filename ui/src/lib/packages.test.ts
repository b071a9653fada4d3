import { describe, expect, it } from 'vitest'
import type { Package } from '../api/types'
import { basicFor, normaliseChoice, priceSplit, yuan } from './packages'

const pkg = (code: string, kind: 'basic' | 'paid', groups: string[], fen: [number, number, number] = [0, 0, 0], line: string | null = null, tier: number | null = null): Package => ({
  code, name: code, name_en: code, kind, groups: groups as Package['groups'], line, tier, description: '',
  price: { insurance_fen: fen[0], public_health_fen: fen[1], self_pay_fen: fen[2] }, item: [],
})

const CATALOG = [
  pkg('basic-all', 'basic', []),
  pkg('basic-elderly', 'basic', ['elderly_65']),
  pkg('basic-htn', 'basic', ['hypertension']),
  pkg('htn-1', 'paid', ['hypertension'], [6000, 2000, 4000], 'htn', 1),
  pkg('htn-2', 'paid', ['hypertension'], [9000, 2000, 9000], 'htn', 2),
  pkg('check', 'paid', [], [0, 10000, 20000]),
]

describe('basic packages', () => {
  it('follow the member groups, and the general one covers everyone', () => {
    expect(basicFor(['elderly_65', 'hypertension'], CATALOG)).toEqual(['basic-all', 'basic-elderly', 'basic-htn'])
    expect(basicFor([], CATALOG)).toEqual(['basic-all'])
  })
})

describe('paid packages', () => {
  it('keep only the highest tier of a line', () => {
    expect(normaliseChoice(['htn-1', 'check', 'htn-2'], CATALOG)).toEqual(['check', 'htn-2'])
  })
  it('add up by payer, in fen', () => {
    const prices = ['htn-1', 'check'].map((c) => CATALOG.find((p) => p.code === c)!.price)
    expect(priceSplit(prices)).toEqual({ total: 42000, insurance: 6000, publicHealth: 12000, selfPay: 24000 })
    expect(yuan(12050)).toBe('¥120.50')
  })
})
