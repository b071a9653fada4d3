// The work list by household: how an owed item is described on a round's stop.
import type { DueEntry } from '../api'

type Translate = (key: string, params?: Record<string, unknown>) => string

/**
 * What an item counts from, for the doctor: "出生 2026-08-10" for a child check, "末次月经 …"
 * for antenatal care, nothing for items spread over the contract term.
 */
export function anchorText(entry: DueEntry, t: Translate): string {
  if (entry.anchor === 'term' || !entry.anchored_on) return ''
  return t('work.anchor.since', { what: t(`work.anchor.${entry.anchor}`), day: entry.anchored_on })
}

/**
 * When the item is owed, in words: overdue since its deadline, due by its deadline, or
 * opening on a day to come.
 */
export function whenText(entry: DueEntry, t: Translate): string {
  switch (entry.status) {
    case 'overdue':
      return t('work.when.overdue', { day: entry.due_by })
    case 'upcoming':
      return t('work.when.upcoming', { day: entry.opens_on })
    default:
      return t('work.when.due', { day: entry.due_by })
  }
}

/** The element-plus tag type of a status: overdue in red, due in orange, upcoming plain. */
export function statusTag(entry: DueEntry): 'danger' | 'warning' | 'info' {
  return entry.status === 'overdue' ? 'danger' : entry.status === 'due' ? 'warning' : 'info'
}
