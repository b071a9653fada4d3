import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { debounce } from './drafts'

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
