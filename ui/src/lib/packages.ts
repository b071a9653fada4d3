// Which packages a member gets, mirrored from the domain core so the choice shows at once:
// basic packages follow the member's groups (an empty group list means "everyone") and are
// never skipped; paid packages are the household's choice, and a higher tier on a line replaces
// the lower ones it includes. The backend applies the same rules when it signs.

import type { Package, PriceSplit } from '../api/types'

export function basicFor(groups: string[], catalog: Package[]): string[] {
  return catalog
    .filter((p) => p.kind === 'basic')
    .filter((p) => p.groups.length === 0 || p.groups.some((g) => groups.includes(g)))
    .map((p) => p.code)
}

/** Drops a lower tier when a higher tier of the same line is chosen too. */
export function normaliseChoice(codes: string[], catalog: Package[]): string[] {
  const chosen = [...new Set(codes)].map((c) => catalog.find((p) => p.code === c)).filter((p): p is Package => !!p)
  return chosen
    .filter((p) => !chosen.some((o) => o.line !== null && o.line === p.line && (o.tier ?? 0) > (p.tier ?? 0)))
    .map((p) => p.code)
}

export interface Split { total: number; insurance: number; publicHealth: number; selfPay: number }

/** Sums the price split of `codes`, in fen. */
export function priceSplit(prices: PriceSplit[]): Split {
  const out: Split = { total: 0, insurance: 0, publicHealth: 0, selfPay: 0 }
  for (const p of prices) {
    out.insurance += p.insurance_fen
    out.publicHealth += p.public_health_fen
    out.selfPay += p.self_pay_fen
  }
  out.total = out.insurance + out.publicHealth + out.selfPay
  return out
}

export function totalFen(p: PriceSplit): number {
  return p.insurance_fen + p.public_health_fen + p.self_pay_fen
}

/** Fen as yuan with the sign: 12050 → ¥120.50. */
export function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`
}
