// The print buttons and the print queue against a stand-in backend: a laptop without CUPS shows
// why next to the button and offers the viewer; save-as warns before anything is written; the
// queue prints everything waiting and keeps what failed, with why.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { useElement } from '../plugins/element'
import { i18n } from '../i18n'
import type { PrintQueue } from '../api'

const calls: Record<string, unknown[][]> = {}
const record = (name: string, ...args: unknown[]) => {
  ;(calls[name] ??= []).push(args)
}

let queue: PrintQueue
const waiting = (id: string, document: 'agreement' | 'contact_card') => ({
  id, document, contract_id: 'c1', agreement_number: '2026-A1B2-00001', household_head: '赵建国', village: '东庄村',
  queued_at: '2026-03-05T02:00:00Z', printed_at: null as string | null,
})

vi.mock('../api', async (importOriginal) => {
  const original = await importOriginal<typeof import('../api')>()
  return {
    ...original,
    api: {
      printDocument: vi.fn(async (contractId: string, document: string) => {
        record('printDocument', contractId, document)
        return {
          path: '/data/prints/agreement-2026.pdf', reprint_on: '2026-04-18', job: null, opened: false,
          problem: { code: 'no_print_system', message: '本机没有打印服务（CUPS），无法直接打印' },
        }
      }),
      openDocument: vi.fn(async (contractId: string, document: string) => {
        record('openDocument', contractId, document)
        throw new original.ApiError('print', '无法打开查看器')
      }),
      queuePrint: vi.fn(async (contractId: string, document: string) => record('queuePrint', contractId, document)),
      removableDrives: vi.fn(async () => [{ path: '/media/usb', label: 'USB (8 GB)' }]),
      saveDocumentAs: vi.fn(async (contractId: string, document: string, folder: string) => {
        record('saveDocumentAs', contractId, document, folder)
        return `${folder}/agreement-2026.pdf`
      }),
      printQueue: vi.fn(async () => queue),
      printers: vi.fn(async () => [{ name: 'HP', is_default: true }, { name: 'Brother', is_default: false }]),
      printAllQueued: vi.fn(async (printer: string | null) => {
        record('printAllQueued', printer)
        const [first, second] = queue.waiting
        queue = { waiting: [second], printed_today: [{ ...first, printed_at: '2026-03-05T09:00:00Z' }] }
        return [
          { queue_id: first.id, path: '/p/1.pdf', job: { printer: 'HP', job: 'HP-1' }, error: null },
          { queue_id: second.id, path: '/p/2.pdf', job: null, error: { code: 'print_refused', message: '打印机没有接受文件：卡纸' } },
        ]
      }),
      printQueued: vi.fn(),
      openQueued: vi.fn(),
      unqueuePrint: vi.fn(),
    },
  }
})

import PrintButtons from './PrintButtons.vue'
import PrintQueueView from '../views/PrintQueueView.vue'

const plugins = { plugins: [i18n, { install: useElement }] }
const inBody = (test: string) => document.body.querySelector(`[data-test=${test}]`) as HTMLElement | null

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  for (const k of Object.keys(calls)) delete calls[k]
  document.body.innerHTML = ''
  queue = { waiting: [waiting('q1', 'agreement'), waiting('q2', 'contact_card')], printed_today: [] }
})

describe('the print buttons', () => {
  it('show why a print did not go out next to the button, with the file and 补打', async () => {
    const w = mount(PrintButtons, { props: { contractId: 'c1' }, global: plugins })
    await w.get('[data-test=print-agreement]').trigger('click')
    await flushPromises()
    expect(calls.printDocument).toEqual([['c1', 'agreement']])
    const line = w.get('[data-test=printed-agreement]').text()
    expect(line).toContain('没有打印：本机没有打印服务')
    expect(line).toContain('/data/prints/agreement-2026.pdf')
    expect(w.get('[data-test=reprint-agreement]').text()).toBe('补打 2026-04-18')
    expect(w.find('[data-test=printed-card]').exists()).toBe(false)
  })

  it('say plainly that a print dialog closed without printing printed nothing', async () => {
    const { api } = await import('../api')
    vi.mocked(api.printDocument).mockResolvedValueOnce({
      path: '/data/prints/card-2026.pdf', reprint_on: null, job: null, opened: false, cancelled: true, problem: null,
    })
    const w = mount(PrintButtons, { props: { contractId: 'c1' }, global: plugins })
    await w.get('[data-test=print-card]').trigger('click')
    await flushPromises()
    const line = w.get('[data-test=printed-card]')
    expect(line.text()).toContain('已取消，没有打印')
    expect(line.classes()).toContain('cancelled')
    expect(line.classes()).not.toContain('problem')
    expect(w.find('[data-test=reprint-card]').exists()).toBe(false)
  })

  it('show a viewer that failed to open next to its button', async () => {
    const w = mount(PrintButtons, { props: { contractId: 'c1' }, global: plugins })
    await w.get('[data-test=open-card]').trigger('click')
    await flushPromises()
    expect(calls.openDocument).toEqual([['c1', 'contact_card']])
    expect(w.get('[data-test=print-error-card]').text()).toContain('无法打开查看器')
  })

  it('queue a document for the clinic', async () => {
    const w = mount(PrintButtons, { props: { contractId: 'c1' }, global: plugins })
    await w.get('[data-test=queue-agreement]').trigger('click')
    await flushPromises()
    expect(calls.queuePrint).toEqual([['c1', 'agreement']])
    expect(w.get('[data-test=print-note-agreement]').text()).toBe('已加入打印队列')
  })

  it('warn that the file is unencrypted before saving it anywhere else', async () => {
    const w = mount(PrintButtons, { props: { contractId: 'c1' }, attachTo: document.body, global: plugins })
    await w.get('[data-test=save-agreement]').trigger('click')
    await flushPromises()
    expect(inBody('save-as-warning')?.textContent).toContain('不加密')
    expect(calls.saveDocumentAs).toBeUndefined()
    inBody('save-as-confirm')?.click()
    await flushPromises()
    expect(calls.saveDocumentAs).toEqual([['c1', 'agreement', '/media/usb']])
    expect(w.get('[data-test=print-note-agreement]').text()).toContain('/media/usb/agreement-2026.pdf')
    w.unmount()
  })

  it('offer only the termination confirmation for a terminated contract', () => {
    const w = mount(PrintButtons, { props: { contractId: 'c1', termination: true }, global: plugins })
    expect(w.find('[data-test=print-termination]').exists()).toBe(true)
    expect(w.find('[data-test=print-agreement]').exists()).toBe(false)
  })
})

describe('the print queue', () => {
  it('prints everything waiting on the chosen printer and keeps what failed, with why', async () => {
    const w = mount(PrintQueueView, { attachTo: document.body, global: plugins })
    await flushPromises()
    expect(w.findAll('[data-test=queue-household]')).toHaveLength(1)
    expect(w.text()).toContain('签约服务协议书')
    expect(w.text()).toContain('家庭医生联系卡')
    await w.get('[data-test=queue-print-all]').trigger('click')
    await flushPromises()
    expect(calls.printAllQueued).toEqual([['HP']])
    expect(w.get('[data-test=queue-done]').text()).toBe('已送出 1 份')
    expect(w.get('[data-test=queued-q2]').text()).toContain('卡纸')
    expect(w.find('[data-test=queued-q1]').exists()).toBe(false)
    expect(w.get('[data-test=queue-printed]').text()).toContain('赵建国')
    w.unmount()
  })
})
