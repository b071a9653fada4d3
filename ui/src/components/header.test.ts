// The header as a clean bar: home and the work list, the dashboard and Sync now in view, the demo
// badge, the role and the pending count always shown, the rest in one menu that keeps the old
// `data-test` names. And the confirmation before a contract is terminated: Cancel changes nothing.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { useElement } from '../plugins/element'
import { i18n } from '../i18n'
import type { DeviceKind, DeviceTools } from '../api'

const calls: Record<string, unknown[]> = {}
const record = (name: string) => (arg?: unknown) => {
  ;(calls[name] ??= []).push(arg)
}

const doctorTools: DeviceTools = {
  role: 'doctor', label: '村医用机', all_shown: false, tools: [], exports: ['report'], device_code: 'K7PQ-M3XZ', own_villages: [],
}

vi.mock('../api', async (importOriginal) => {
  const original = await importOriginal<typeof import('../api')>()
  return {
    ...original,
    onSyncEvent: vi.fn(async () => () => undefined),
    api: {
      deviceKind: vi.fn(async (): Promise<DeviceKind> => ({ demo: true, tools: doctorTools })),
      syncOverview: vi.fn(async () => ({ pending_changes: 7, last_sync_at: null, enrolled: true, open_refusals: 0, last_error: null, syncing: false })),
      lockApp: vi.fn(async () => record('lockApp')()),
      setLang: vi.fn(async (lang: string) => record('setLang')(lang)),
      syncNow: vi.fn(async () => record('syncNow')()),
      searchPage: vi.fn(async () => ({ hits: [], total: 0 })),
      terminate: vi.fn(async (request: unknown) => {
        record('terminate')(request)
        return { effective_on: '2026-12-07' }
      }),
      household: vi.fn(async () => ({
        id: 'h1', village_id: 'v1', village: '东村', group: '一组', address: '东路1号', record_number: 'R1',
        members: [
          { id: 'head', name: '贾年', relation: 'head', sex: 'male', birth_date: '1980-04-12', age: 46, id_number: null, id_number_missing: true, phone: null, groups: [], covered_by: 'N1' },
          { id: 'wife', name: '贾年妻', relation: 'spouse', sex: 'female', birth_date: '1986-09-21', age: 40, id_number: null, id_number_missing: true, phone: null, groups: [], covered_by: 'N1' },
        ],
        contracts: [
          {
            id: 'c1', agreement_number: '2026-K7PQ-M3XZ-00001', status: 'active', in_force: true, doctor_id: 'd1', member_ids: ['head', 'wife'], verification_code: 'V',
            term: { start: '2026-01-01', end: '2026-12-31', policy: 'calendar_year', auto_renew: true },
          },
        ],
      })),
      teams: vi.fn(async () => []),
    },
  }
})

import AppHeader from './AppHeader.vue'
import ChangeView from '../views/ChangeView.vue'
import { route } from '../router'
import { lockState } from '../lib/lockState'
import { status } from '../lib/status'

const global = { plugins: [i18n, { install: useElement }] }

function inBody(test: string): HTMLElement | null {
  return document.body.querySelector(`[data-test=${test}]`)
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  for (const k of Object.keys(calls)) delete calls[k]
  document.body.innerHTML = ''
  HTMLCanvasElement.prototype.getContext = (() => null) as never
  window.scrollTo = (() => undefined) as never
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver
})

describe('the header', () => {
  it('keeps home, the demo badge, the role and the pending count in view', async () => {
    route.current = { name: 'dashboard' }
    const header = mount(AppHeader, { attachTo: document.body, global })
    await flushPromises()
    expect(header.find('[data-test=nav-worklist]').text()).toBe('首页·工作清单')
    expect(header.find('[data-test=demo-badge]').text()).toBe('演示数据')
    expect(header.find('[data-test=device-role]').text()).toBe('村医用机')
    expect(header.find('[data-test=pending-count]').text()).toContain('待同步 7 条')
    expect(header.find('[data-test=nav-dashboard]').exists()).toBe(true)
    await header.find('[data-test=nav-worklist]').trigger('click')
    expect(route.current.name).toBe('home')
    // The less frequent tools are not buttons on the bar.
    expect(header.find('[data-test=lang-switch]').exists()).toBe(false)
    expect(header.find('[data-test=lock-now]').exists()).toBe(false)
    header.unmount()
  })

  it('shows no pending count until the store has answered', async () => {
    const { api } = await import('../api')
    let answer: (overview: unknown) => void = () => undefined
    vi.mocked(api.syncOverview).mockImplementationOnce(
      () => new Promise((resolve) => { answer = resolve as (overview: unknown) => void }) as never,
    )
    status.loaded = false
    const header = mount(AppHeader, { attachTo: document.body, global })
    await flushPromises()
    expect(header.find('[data-test=pending-count]').text()).not.toContain('待同步')
    answer({ pending_changes: 3, last_sync_at: null, enrolled: true, open_refusals: 0, last_error: null, syncing: false })
    await flushPromises()
    expect(header.find('[data-test=pending-count]').text()).toContain('待同步 3 条')
    header.unmount()
  })

  it('offers the rest in one menu, each item doing what its button did', async () => {
    const header = mount(AppHeader, { attachTo: document.body, global })
    await flushPromises()
    await header.find('[data-test=header-menu]').trigger('click')
    await flushPromises()
    const items = Array.from(document.body.querySelectorAll('[data-test=header-menu-items] [data-test]')).map((e) => e.getAttribute('data-test'))
    expect(items).toEqual(['nav-sync', 'nav-import', 'nav-print-queue', 'change-passphrase', 'lang-switch', 'lock-now'])
    inBody('nav-sync')!.click()
    await flushPromises()
    expect(route.current.name).toBe('sync')
    inBody('nav-print-queue')!.click()
    await flushPromises()
    expect(route.current.name).toBe('printQueue')
    inBody('lang-switch')!.click()
    await flushPromises()
    expect(calls.setLang).toEqual(['en'])
    expect(i18n.global.locale.value).toBe('en')
    inBody('lock-now')!.click()
    await flushPromises()
    expect(calls.lockApp).toHaveLength(1)
    expect(lockState.locked).toBe(true)
    header.unmount()
  })
})

describe('terminating a contract', () => {
  async function filledForm() {
    const page = mount(ChangeView, { props: { householdId: 'h1', contractId: 'c1', action: 'terminate' }, attachTo: document.body, global })
    await flushPromises()
    const state = (page.vm as unknown as { $: { setupState: Record<string, unknown> } }).$.setupState
    state.reason = 'moved_out'
    state.residentSig = 'data:image/png;base64,AA=='
    state.doctorSig = 'data:image/png;base64,AA=='
    await flushPromises()
    return page
  }

  it('asks first, naming the household, the members, the agreement and what follows; Cancel changes nothing', async () => {
    const page = await filledForm()
    await page.find('form').trigger('submit')
    await flushPromises()
    const dialog = inBody('terminate-confirm-dialog')!
    const text = dialog.textContent ?? ''
    expect(text).toContain('贾年户（东村东路1号）')
    expect(text).toContain('贾年、贾年妻')
    expect(text).toContain('2026-K7PQ-M3XZ-00001')
    expect(text).toContain('迁出本地')
    expect(text).toContain('不能撤销')
    expect(calls.terminate).toBeUndefined()
    inBody('terminate-cancel')!.click()
    await flushPromises()
    expect(calls.terminate).toBeUndefined()
    expect(page.find('[data-test=change-done]').exists()).toBe(false)
    expect(page.find('[data-test=change-confirm]').exists()).toBe(true)
    page.unmount()
  })

  it('terminates once confirmed', async () => {
    const page = await filledForm()
    await page.find('form').trigger('submit')
    await flushPromises()
    inBody('terminate-ok')!.click()
    await flushPromises()
    expect(calls.terminate).toHaveLength(1)
    expect(calls.terminate[0]).toMatchObject({ contract_id: 'c1', reason: 'moved_out' })
    expect(page.find('[data-test=change-done]').exists()).toBe(true)
    page.unmount()
  })
})
