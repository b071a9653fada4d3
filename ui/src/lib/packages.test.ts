import { describe, expect, it } from 'vitest'
import type { Package } from '../api/types'
import { basicFor, priceSplit } from './packages'

const pkg = (code: string, paid: boolean, groups: string[], price = 0, ins = 0, ph = 0): Package => ({
  code, name: code, paid, groups, price_yuan: price, insurance_yuan: ins, public_health_yuan: ph, self_pay_yuan: price - ins - ph, items: [],
})

const CATALOG = [
  pkg('basic-general', false, []),
  pkg('basic-elderly', false, ['elderly_65']),
  pkg('basic-htn', false, ['hypertension']),
  pkg('paid-htn-1', true, ['hypertension'], 120, 60, 20),
  pkg('paid-check', true, [], 300, 0, 100),
]

describe('basic packages', () => {
  it('follow the member groups', () => {
    expect(basicFor(['elderly_65', 'hypertension'], CATALOG)).toEqual(['basic-elderly', 'basic-htn'])
  })
  it('fall back to the general package for anyone else', () => {
    expect(basicFor([], CATALOG)).toEqual(['basic-general'])
  })
})

describe('price split', () => {
  it('adds up paid packages only, split by payer', () => {
    expect(priceSplit(['basic-general', 'paid-htn-1', 'paid-check'], CATALOG)).toEqual({
      total: 420, insurance: 60, publicHealth: 120, selfPay: 240,
    })
  })
})
