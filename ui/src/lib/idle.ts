// Locks the app after a stretch without a key press, click or touch. A pure timer with injected
// clock and callbacks, so the rule is unit-tested without waiting minutes.

export const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const

export interface IdleClock {
  now(): number
  setInterval(f: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

export const realClock: IdleClock = {
  now: () => Date.now(),
  setInterval: (f, ms) => window.setInterval(f, ms),
  clearInterval: (h) => window.clearInterval(h as number),
}

/** Calls `onIdle` once `idleMs` pass with no `touch()`; checks every `checkMs`. */
export class IdleWatch {
  private last: number
  private handle: unknown = null
  private fired = false

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: () => void,
    private readonly clock: IdleClock = realClock,
    private readonly checkMs = 5_000,
  ) {
    this.last = clock.now()
  }

  start() {
    this.stop()
    this.fired = false
    this.last = this.clock.now()
    this.handle = this.clock.setInterval(() => this.check(), this.checkMs)
  }

  stop() {
    if (this.handle !== null) this.clock.clearInterval(this.handle)
    this.handle = null
  }

  /** Activity: the countdown starts again. */
  touch() {
    this.last = this.clock.now()
  }

  check() {
    if (this.fired || this.clock.now() - this.last < this.idleMs) return
    this.fired = true
    this.stop()
    this.onIdle()
  }
}
