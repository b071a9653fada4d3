import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import { i18n } from '../i18n'

const backend = vi.hoisted(() => ({
  saved: new Map<string, string>(),
  down: false,
}))

vi.mock('../api', () => ({
  api: {
    draftSave: vi.fn(async (form: string, json: string) => {
      if (backend.down) throw new Error('locked')
      backend.saved.set(form, json)
    }),
    draftLoad: vi.fn(async (form: string) => {
      if (backend.down) throw new Error('locked')
      return backend.saved.get(form) ?? null
    }),
    draftClear: vi.fn(async (form: string) => {
      if (backend.down) throw new Error('locked')
      backend.saved.delete(form)
    }),
  },
}))

import { debounce, drafts, draftsInMemory, removeOldDrafts } from './drafts'
import DraftNote from '../feedback/DraftNote.vue'

const resident = { members: [{ name: '欧阳明珠', idNumber: '140822195003091234' }] }

describe('drafts', () => {
  beforeEach(() => {
    backend.saved.clear()
    backend.down = false
    localStorage.clear()
    i18n.global.locale.value = 'zh-CN'
  })
  afterEach(() => vi.restoreAllMocks())

  it('never writes a name or ID number to the browser storage when the backend cannot save', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    backend.down = true
    await drafts.save('register', resident)
    expect(setItem).not.toHaveBeenCalled()
    expect(localStorage.length).toBe(0)
    expect(draftsInMemory.has('register')).toBe(true)
    // Nothing lost while the window is open: the form opened again gets it from memory.
    expect(await drafts.load('register')).toEqual(resident)
  })

  it('keeps the newest draft in memory over an older saved one, and forgets it once a save works', async () => {
    await drafts.save('visit-h1', { notes: '旧' })
    backend.down = true
    await drafts.save('visit-h1', { notes: '新' })
    backend.down = false
    expect(await drafts.load('visit-h1')).toEqual({ notes: '新' })
    await drafts.save('visit-h1', { notes: '再新' })
    expect(draftsInMemory.has('visit-h1')).toBe(false)
    expect(backend.saved.get('visit-h1')).toBe(JSON.stringify({ notes: '再新' }))
    backend.down = true
    await drafts.clear('visit-h1')
    expect(await drafts.load('visit-h1')).toBeNull()
  })

  it('shows a quiet note beside the form while its draft is only in memory', async () => {
    const note = mount(DraftNote, { props: { form: 'sign-h2' }, global: { plugins: [i18n] } })
    expect(note.find('[data-test=draft-note]').exists()).toBe(false)
    backend.down = true
    await drafts.save('sign-h2', { step: 1 })
    await nextTick()
    const shown = note.find('[data-test=draft-note]')
    expect(shown.text()).toBe('草稿暂时没能存进本机数据库；窗口开着时，已填写的内容不会丢失。')
    expect(shown.attributes('role')).toBe('status')
    backend.down = false
    await drafts.save('sign-h2', { step: 1 })
    await nextTick()
    expect(note.find('[data-test=draft-note]').exists()).toBe(false)
  })

  it('removes the drafts earlier versions left in the browser storage, and nothing else', () => {
    localStorage.setItem('jiayi.draft.register', JSON.stringify(resident))
    localStorage.setItem('jiayi.draft.visit-h1', '{}')
    localStorage.setItem('jiayi-draft-sign-h2', '{}')
    localStorage.setItem('jiayi.locale', 'zh-CN')
    localStorage.setItem('jiayi.worklist.mode', 'items')
    expect(removeOldDrafts()).toBe(3)
    const left = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i)).sort()
    expect(left).toEqual(['jiayi.locale', 'jiayi.worklist.mode'])
  })
})

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('runs once with the last arguments after the pause', () => {
    const seen: number[] = []
    const save = debounce((n: number) => seen.push(n), 400)
    save(1)
    save(2)
    vi.advanceTimersByTime(399)
    expect(seen).toEqual([])
    vi.advanceTimersByTime(1)
    expect(seen).toEqual([2])
  })

  it('flushes a pending call at once', () => {
    const seen: number[] = []
    const save = debounce((n: number) => seen.push(n), 400)
    save(3)
    save.flush()
    expect(seen).toEqual([3])
    vi.advanceTimersByTime(1000)
    expect(seen).toEqual([3])
  })

  it('drops a pending call when cancelled, so a saved form is not revived as a draft', () => {
    const seen: number[] = []
    const save = debounce((n: number) => seen.push(n), 400)
    save(4)
    save.cancel()
    vi.advanceTimersByTime(1000)
    save.flush()
    expect(seen).toEqual([])
  })
})
