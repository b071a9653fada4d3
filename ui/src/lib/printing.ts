// What the print buttons and the print queue show, apart from the components: the document of
// each button, the line under a button after a print, the queue in groups.

import type { Document, PaperOutcome, PrintQueue, QueueEntry, QueuedPrinted } from '../api'

/** The buttons' names for the documents. */
export type Kind = 'agreement' | 'card' | 'termination' | 'renewal'

export const DOCUMENT_OF: Record<Kind, Document> = {
  agreement: 'agreement',
  card: 'contact_card',
  termination: 'termination',
  renewal: 'renewal_notice',
}

/** The i18n key of a document's name. */
export function documentKey(document: Document): string {
  return `print.documents.${document}`
}

export type LineState = 'printed' | 'opened' | 'saved' | 'problem' | 'cancelled' | 'made'

export interface OutcomeLine {
  state: LineState
  /** i18n key and its values. */
  key: string
  values: Record<string, string>
  path: string
  /** Printing failed: offer the viewer and the queue instead. */
  offerOthers: boolean
}

/** The line under a button: what happened to the document, where its file is. */
export function outcomeLine(outcome: PaperOutcome): OutcomeLine {
  const base = { path: outcome.path, values: {} as Record<string, string>, offerOthers: false }
  if (outcome.problem) {
    return { ...base, state: 'problem', key: 'print.problem', values: { message: outcome.problem.message }, offerOthers: true }
  }
  if (outcome.job) {
    const { printer, job } = outcome.job
    const key = `print.sent${printer ? 'To' : 'Default'}${job ? 'Job' : ''}`
    return { ...base, state: 'printed', key, values: { printer, job } }
  }
  if (outcome.opened) return { ...base, state: 'opened', key: 'print.opened' }
  if (outcome.cancelled) return { ...base, state: 'cancelled', key: 'print.cancelled' }
  return { ...base, state: 'made', key: 'print.made' }
}

/** A reprint's note: 补打 and the day, or nothing for a first print. */
export function reprintNote(outcome: PaperOutcome): string | null {
  return outcome.reprint_on ? outcome.reprint_on : null
}

/** The queue's waiting documents by household, in the order they were queued. */
export function byHousehold(entries: QueueEntry[]): { contractId: string; head: string; village: string; number: string; entries: QueueEntry[] }[] {
  const groups: ReturnType<typeof byHousehold> = []
  for (const entry of entries) {
    let group = groups.find((g) => g.contractId === entry.contract_id)
    if (!group) {
      group = { contractId: entry.contract_id, head: entry.household_head, village: entry.village, number: entry.agreement_number, entries: [] }
      groups.push(group)
    }
    group.entries.push(entry)
  }
  return groups
}

/** After printing everything: how many went and which failed, with why. */
export function batchSummary(outcomes: QueuedPrinted[], queue: PrintQueue): { sent: number; failed: { entry: QueueEntry | null; message: string }[] } {
  const failed = outcomes
    .filter((o) => o.error)
    .map((o) => ({ entry: queue.waiting.find((e) => e.id === o.queue_id) ?? null, message: o.error?.message ?? '' }))
  return { sent: outcomes.length - failed.length, failed }
}
