// Nothing typed is lost while the window is open, and nothing typed is written to the
// browser's storage: forms save a draft as they change (debounced) and on window close, and
// load it when they open again. The draft goes into the encrypted store through the backend.
// When the backend cannot save it, the draft is kept in this module's memory (names and ID
// numbers never go to localStorage, which is not encrypted), the form keeps its values, and the
// form shows a quiet note (`DraftNote`) until a later save works.

import { reactive } from 'vue'
import { api } from '../api'

export interface DraftStore {
  save(form: string, value: unknown): Promise<void>
  load<T>(form: string): Promise<T | null>
  clear(form: string): Promise<void>
}

/** Drafts the backend could not save, by form: the newest of each, in memory only. */
const unsaved = new Map<string, string>()

/** The forms whose latest draft is only in memory (the note beside the form reads this). */
export const draftsInMemory = reactive(new Set<string>())

export const drafts: DraftStore = {
  async save(form, value) {
    const json = JSON.stringify(value)
    try {
      await api.draftSave(form, json)
      unsaved.delete(form)
      draftsInMemory.delete(form)
    } catch {
      unsaved.set(form, json)
      draftsInMemory.add(form)
    }
  },
  async load<T>(form: string): Promise<T | null> {
    // One kept in memory is newer than whatever the backend holds: its save failed.
    let json: string | null = unsaved.get(form) ?? null
    if (json === null) {
      try {
        json = await api.draftLoad(form)
      } catch {
        json = null
      }
    }
    if (!json) return null
    try {
      return JSON.parse(json) as T
    } catch {
      return null
    }
  },
  async clear(form) {
    unsaved.delete(form)
    draftsInMemory.delete(form)
    try {
      await api.draftClear(form)
    } catch {
      /* the file is overwritten by the next save */
    }
  },
}

/** Keys earlier versions wrote drafts under (`jiayi.draft.register`, `jiayi-draft-…`). */
const OLD_DRAFT_KEY = /^jiayi[._-]drafts?([._-]|$)/i

/** Removes drafts earlier versions left in `storage` (in the clear); returns how many. Run at
 *  start, before any form opens. */
export function removeOldDrafts(storage: Storage | undefined = globalThis.localStorage): number {
  if (!storage) return 0
  const old: string[] = []
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i)
    if (key !== null && OLD_DRAFT_KEY.test(key)) old.push(key)
  }
  old.forEach((key) => storage.removeItem(key))
  return old.length
}

/** Calls `fn` at most once per `ms`, after the last call; `flush` runs a pending call now. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | null = null
  let last: A | null = null
  const run = (...args: A) => {
    last = args
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      if (last) fn(...last)
      last = null
    }, ms)
  }
  run.flush = () => {
    if (timer) clearTimeout(timer)
    timer = null
    if (last) fn(...last)
    last = null
  }
  /** Drops a pending call: after the form is saved, a keystroke's late draft must not revive it. */
  run.cancel = () => {
    if (timer) clearTimeout(timer)
    timer = null
    last = null
  }
  return run
}
