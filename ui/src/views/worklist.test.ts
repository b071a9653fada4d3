// The day's round on the work list: the first stops are drawn at once, the rest when the doctor
// asks for them, and a village chosen starts from the top again.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { useElement } from '../plugins/element'
import { i18n } from '../i18n'
import type { HouseholdRound, WorkList } from '../api'

function stop(n: number): HouseholdRound {
  return {
    household_id: `h${n}`, head: `户主${n}`, village_id: 'v1', village: '东村', group: '一组', address: `东路${n}号`,
    overdue: 0, due: 1, upcoming: 0, items: [],
  }
}

const list: WorkList = {
  day: '2026-12-07', village_id: null, overdue_count: 0, due_count: 45, upcoming_count: 0, due: [],
  households: Array.from({ length: 45 }, (_, i) => stop(i + 1)), household_count: 45,
  renewal_count: 0, renewals: [], unsigned_priority_count: 0, unsigned_priority: [],
  villages: [{ id: 'v1', name: '东村', due: 45, overdue: 0, renewals: 0, unsigned_priority: 0 }],
}

vi.mock('../api', async (importOriginal) => {
  const original = await importOriginal<typeof import('../api')>()
  return {
    ...original,
    api: {
      workList: vi.fn(async () => list),
      uiReady: vi.fn(async () => undefined),
    },
  }
})

import WorkListView from './WorkListView.vue'

const global = { plugins: [i18n, { install: useElement }] }

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  localStorage.clear()
  globalThis.requestAnimationFrame ??= ((f: FrameRequestCallback) => setTimeout(() => f(0), 0)) as never
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver
})

describe('the round on the work list', () => {
  it('draws the first thirty stops, and the rest when asked for', async () => {
    const view = mount(WorkListView, { global, attachTo: document.body })
    await flushPromises()
    const stops = () => view.findAll('[data-test=round-stop]').map((s) => s.attributes('data-household'))
    expect(stops()).toHaveLength(30)
    expect(stops()[0]).toBe('h1')
    const more = view.find('[data-test=round-more]')
    expect(more.text()).toContain('再显示 15 户')
    await more.trigger('click')
    expect(stops()).toHaveLength(45)
    expect(stops()[44]).toBe('h45')
    expect(view.find('[data-test=round-more]').exists()).toBe(false)
    view.unmount()
  })
})
