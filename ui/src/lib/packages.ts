// Which packages a member gets: basic packages follow the member's groups and are never skipped;
// paid packages are the household's choice. Tiers include the lower ones, so choosing a higher
// tier of the same kind replaces the lower.

import type { Package } from '../api/types'

export function basicFor(groups: string[], catalog: Package[]): string[] {
  const basic = catalog.filter((p) => !p.paid)
  const matching = basic.filter((p) => p.groups.some((g) => groups.includes(g)))
  if (matching.length) return matching.map((p) => p.code)
  // Everyone is covered by the general basic package when no group-specific one applies.
  return basic.filter((p) => p.groups.length === 0 || p.groups.includes('general')).map((p) => p.code)
}

export interface Split { total: number; insurance: number; publicHealth: number; selfPay: number }

export function priceSplit(codes: string[], catalog: Package[]): Split {
  const out: Split = { total: 0, insurance: 0, publicHealth: 0, selfPay: 0 }
  for (const code of codes) {
    const p = catalog.find((x) => x.code === code)
    if (!p || !p.paid) continue
    out.total += p.price_yuan
    out.insurance += p.insurance_yuan
    out.publicHealth += p.public_health_yuan
    out.selfPay += p.self_pay_yuan
  }
  const r = (n: number) => Math.round(n * 100) / 100
  return { total: r(out.total), insurance: r(out.insurance), publicHealth: r(out.publicHealth), selfPay: r(out.selfPay) }
}

export function yuan(n: number): string {
  return `¥${n.toFixed(2)}`
}
