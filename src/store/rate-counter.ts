// The rate counter a store opens: requests counted per key in fixed windows, shared by everything on the same store.

/** A key's count in its window, the request just added included, and the time left of that window (ms). */
export interface RateCount {
  current: number
  ttl: number
}

/**
 * Receives a count. The first argument is always null: a count that cannot be made is reported to `onError` and
 * answered as `{ current: 0, ttl: windowMs }`, so that the request goes through. The shape lets a Node-style callback
 * (such as @fastify/rate-limit's) be passed as it is, with no closure per request.
 */
export type RateCountCallback = (err: null, count: RateCount) => void

export interface RateCounterOptions {
  /** Keys are counted under this namespace of the store (Redis: `{prefix}{nameSpace}{key}`), e.g. 'rl:'. */
  nameSpace: string
  /** Told of each request let through because its count could not be made (store unreachable, timed out or closed). */
  onError: (err: Error) => void
}

/**
 * Fixed windows: a key's window starts with its first request and lasts the `windowMs` of that request; the n-th
 * request of a window counts n. Counters opened under one namespace of one store share their counts (on Redis,
 * across every instance), and stay exact however many keys there are.
 *
 * The callback may run before `increment` returns (memory) or in a later turn of the event loop (Redis).
 */
export interface RateCounter {
  increment (key: string, windowMs: number, callback: RateCountCallback): void
}
