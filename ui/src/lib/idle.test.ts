import { describe, expect, it } from 'vitest'
import { IdleWatch, type IdleClock } from './idle'

function fakeClock() {
  let now = 0
  let tick: (() => void) | null = null
  const clock: IdleClock = {
    now: () => now,
    setInterval: (f) => { tick = f; return 1 },
    clearInterval: () => { tick = null },
  }
  return {
    clock,
    advance(ms: number) {
      // Checks every 5 s, like the app.
      for (let t = 0; t < ms; t += 5_000) { now += 5_000; tick?.() }
    },
    running: () => tick !== null,
  }
}

describe('IdleWatch', () => {
  it('locks after ten quiet minutes, once', () => {
    const c = fakeClock()
    let locks = 0
    const watch = new IdleWatch(10 * 60_000, () => locks++, c.clock)
    watch.start()
    c.advance(9 * 60_000)
    expect(locks).toBe(0)
    c.advance(60_000)
    expect(locks).toBe(1)
    c.advance(30 * 60_000)
    expect(locks).toBe(1)
    expect(c.running()).toBe(false)
  })

  it('starts the countdown again on activity', () => {
    const c = fakeClock()
    let locks = 0
    const watch = new IdleWatch(10 * 60_000, () => locks++, c.clock)
    watch.start()
    for (let i = 0; i < 6; i++) {
      c.advance(8 * 60_000)
      watch.touch()
    }
    expect(locks).toBe(0)
    c.advance(10 * 60_000)
    expect(locks).toBe(1)
    watch.start()
    c.advance(5 * 60_000)
    expect(locks).toBe(1)
  })
})
