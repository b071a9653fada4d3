// Nothing typed is lost: forms save a draft as they change (debounced) and on window close, and
// load it when they open again. The draft goes to a file in the app-data folder through the
// backend; localStorage is the fallback when the backend cannot be reached.

import { api } from '../api'

const PREFIX = 'jiayi.draft.'

export interface DraftStore {
  save(form: string, value: unknown): Promise<void>
  load<T>(form: string): Promise<T | null>
  clear(form: string): Promise<void>
}

export const drafts: DraftStore = {
  async save(form, value) {
    const json = JSON.stringify(value)
    try {
      await api.draftSave(form, json)
    } catch {
      localStorage.setItem(PREFIX + form, json)
    }
  },
  async load<T>(form: string): Promise<T | null> {
    let json: string | null = null
    try {
      json = await api.draftLoad(form)
    } catch {
      json = localStorage.getItem(PREFIX + form)
    }
    if (!json) return null
    try {
      return JSON.parse(json) as T
    } catch {
      return null
    }
  },
  async clear(form) {
    localStorage.removeItem(PREFIX + form)
    try {
      await api.draftClear(form)
    } catch {
      /* the local copy is gone; the file is overwritten by the next save */
    }
  },
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
