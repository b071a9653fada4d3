import { describe, expect, it } from 'vitest'
import type { PaperOutcome, PrintQueue, QueueEntry } from '../api'
import { batchSummary, byHousehold, documentKey, outcomeLine, DOCUMENT_OF } from './printing'

const outcome = (o: Partial<PaperOutcome>): PaperOutcome => ({
  path: '/data/prints/agreement-2026.pdf', reprint_on: null, job: null, opened: false, problem: null, ...o,
})

const entry = (id: string, contract: string, head: string, document: QueueEntry['document']): QueueEntry => ({
  id, document, contract_id: contract, agreement_number: `N-${contract}`, household_head: head, village: '东庄村',
  queued_at: '2026-03-05T02:00:00Z', printed_at: null,
})

describe('the line under a print button', () => {
  it('names the printer and the job when the printer took it', () => {
    expect(outcomeLine(outcome({ job: { printer: 'HP', job: 'HP-12' } }))).toMatchObject({
      state: 'printed', key: 'print.sentToJob', values: { printer: 'HP', job: 'HP-12' }, offerOthers: false,
    })
    expect(outcomeLine(outcome({ job: { printer: '', job: '' } })).key).toBe('print.sentDefault')
  })

  it('shows why it did not print, keeps the path and offers the viewer and the queue', () => {
    const line = outcomeLine(outcome({ problem: { code: 'no_print_system', message: '本机没有打印服务（CUPS）' } }))
    expect(line).toMatchObject({ state: 'problem', key: 'print.problem', offerOthers: true })
    expect(line.values.message).toContain('CUPS')
    expect(line.path).toBe('/data/prints/agreement-2026.pdf')
  })

  it('says the viewer opened it, or only that the file was made', () => {
    expect(outcomeLine(outcome({ opened: true })).state).toBe('opened')
    expect(outcomeLine(outcome({})).state).toBe('made')
  })
})

describe('the print queue', () => {
  it('groups the waiting documents by household in the order queued', () => {
    const groups = byHousehold([entry('1', 'a', '赵建国', 'agreement'), entry('2', 'b', '钱多', 'agreement'), entry('3', 'a', '赵建国', 'contact_card')])
    expect(groups.map((g) => [g.head, g.entries.map((e) => e.id)])).toEqual([
      ['赵建国', ['1', '3']],
      ['钱多', ['2']],
    ])
  })

  it('counts what went out and names what failed', () => {
    const queue: PrintQueue = { waiting: [entry('1', 'a', '赵建国', 'agreement'), entry('2', 'a', '赵建国', 'contact_card')], printed_today: [] }
    const summary = batchSummary(
      [
        { queue_id: '1', path: '/p/1.pdf', job: { printer: 'HP', job: 'HP-1' }, error: null },
        { queue_id: '2', path: '/p/2.pdf', job: null, error: { code: 'print_refused', message: '卡纸' } as never },
      ],
      queue,
    )
    expect(summary.sent).toBe(1)
    expect(summary.failed).toEqual([{ entry: queue.waiting[1], message: '卡纸' }])
  })

  it('names every document the buttons print', () => {
    expect(Object.values(DOCUMENT_OF).map(documentKey)).toEqual([
      'print.documents.agreement', 'print.documents.contact_card', 'print.documents.termination', 'print.documents.renewal_notice',
    ])
  })
})
