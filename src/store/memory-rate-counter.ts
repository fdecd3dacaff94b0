// The memory store's rate counter: fixed windows in one table per store, exact for any number of keys.
import type { Clock } from '../types.js'
import type { RateCount, RateCountCallback, RateCounter, RateCounterOptions } from './rate-counter.js'

interface Window {
  count: number
  endsAt: number
}

/** Windows kept before the first sweep of the expired ones. */
const SWEEP_FLOOR = 1024

/** The windows of one MemoryStore, shared by every counter it opens (their keys carry the counter's namespace). */
export class RateWindows {
  closed = false
  private readonly clock: Clock
  private readonly windows = new Map<string, Window>()
  private sweepAt = SWEEP_FLOOR

  constructor (clock: Clock) {
    this.clock = clock
  }

  /** Adds one request to `key`: the Redis script's semantics (a window starts with its first request). */
  add (key: string, windowMs: number): RateCount {
    const now = this.clock()
    let window = this.windows.get(key)
    if (window === undefined) {
      if (this.windows.size >= this.sweepAt) this.sweep(now)
      window = { count: 0, endsAt: now + windowMs }
      this.windows.set(key, window)
    } else if (window.endsAt <= now) {
      window.count = 0
      window.endsAt = now + windowMs
    }
    window.count++
    return { current: window.count, ttl: window.endsAt - now }
  }

  /** Drops the expired windows. The next sweep waits until the table has doubled, so sweeping costs O(1) per new key. */
  private sweep (now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key)
    this.sweepAt = Math.max(SWEEP_FLOOR, 2 * this.windows.size)
  }
}

/** Answers at once, inside `increment`. Once the store is closed, every request is let through and reported. */
export class MemoryRateCounter implements RateCounter {
  private readonly windows: RateWindows
  private readonly nameSpace: string
  private readonly onError: (err: Error) => void

  constructor (windows: RateWindows, options: RateCounterOptions) {
    this.windows = windows
    this.nameSpace = options.nameSpace
    this.onError = options.onError
  }

  increment (key: string, windowMs: number, callback: RateCountCallback): void {
    if (this.windows.closed) {
      this.onError(new Error('the memory store is closed'))
      callback(null, { current: 0, ttl: windowMs })
      return
    }
    callback(null, this.windows.add(`${this.nameSpace}${key}`, windowMs))
  }
}
