// @fastify/rate-limit's store over the store layer's RateCounter: the plugin instantiates the class, the counter counts.
import type { RateCountCallback, RateCounter } from '../../src/store/rate-counter.js'

/**
 * A store class for @fastify/rate-limit's `store` option. `child()` (asked for routes with limits of their own)
 * gives the same store: a key has one count, whichever route adds to it. The plugin's callback is handed on as it
 * is: one call and no closure per request.
 */
export function rateLimitStore (counter: RateCounter) {
  return class RateLimitStore {
    incr (key: string, callback: RateCountCallback, timeWindow: number): void {
      counter.increment(key, timeWindow, callback)
    }

    child (): RateLimitStore {
      return this
    }
  }
}
