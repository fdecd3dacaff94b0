// The Redis rate counter: the counts asked in one event-loop turn go out as one script call; a Redis failure lets requests through.
import type { RedisClient } from './redis-client.js'
import type { RateCountCallback, RateCounter } from './rate-counter.js'

/**
 * The script's command. It is never auto-pipelined (see createRedisClient): its one call per turn of the event loop
 * already carries every count of the turn, so a pipeline would only add an object and a tick to each call, and could
 * hold the call unsent (its timeout not yet started) behind an unanswered pipeline.
 */
export const RATE_COUNT_COMMAND = 'tmRateCount'

/**
 * Counts the keys of one window. ARGV[1] is the window (ms); the first keys may have ARGV[i + 1] requests to add,
 * every later key (no argument of its own) adds one. A window starts with the first request of the window.
 * Returns the count and the time left (ms) of each key, in order.
 *
 * Keys that add one, the usual case with many tenants, take no argument at all: every argument costs Redis a
 * string to parse and Lua a tonumber, and the client an encoding, and measured per key that was a third of the
 * script's cost in Redis.
 */
const COUNT = `
local window = tonumber(ARGV[1])
local result = {}
for i = 1, #KEYS do
  local given = ARGV[i + 1]
  local added = given and tonumber(given) or 1
  local current = redis.call('INCRBY', KEYS[i], added)
  local ttl = window
  if current == added then
    redis.call('PEXPIRE', KEYS[i], window)
  else
    ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then
      ttl = window
      redis.call('PEXPIRE', KEYS[i], window)
    end
  end
  result[2 * i - 1] = current
  result[2 * i] = ttl
end
return result
`

/** Keys per script call: a turn with more keys than this sends several calls. */
const MAX_KEYS_PER_CALL = 500

/** numkeys, the keys, the window, then the added count of the first keys. */
type CountCommand = (numberOfKeys: number, ...keysThenArgs: Array<string | number>) => Promise<number[]>
type WithCountCommand = RedisClient & { [RATE_COUNT_COMMAND]?: CountCommand }

/** The requests of one key waiting for the next send: the callbacks of the first one and of those after it. */
interface Batch {
  key: string
  first: RateCountCallback
  more?: RateCountCallback[]
}

/** Gives the requests of `batch` the counts T-n+1 ... T of their key's new total T. */
function answer (batch: Batch, total: number, ttl: number): void {
  const more = batch.more
  const n = more === undefined ? 1 : more.length + 1
  batch.first(null, { current: total - n + 1, ttl })
  if (more !== undefined) for (let i = 0; i < more.length; i++) more[i](null, { current: total - n + 2 + i, ttl })
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * Counts under `keyPrefix` on a client made by createRedisClient (its command timeout bounds each count).
 *
 * The requests that arrive in one turn of the event loop are counted by one script call per window length (on a
 * cluster, where the keys of one call must share a slot, one call per key): a key asked for n times gets INCRBY n,
 * and the total T gives its requests the counts T-n+1 ... T, exactly what n INCRs in a row would have given. Redis
 * runs the script atomically, so counts stay exact across instances; under load this turns one Redis command per
 * request into one per turn. The calls are made from setImmediate, once the poll phase has read every socket that
 * is ready.
 *
 * A call that fails (Redis down, or no answer within the client's command timeout) lets its requests through and
 * reports each failure; a late answer is dropped by the client (the counts themselves still happened).
 */
export class RedisRateCounter implements RateCounter {
  private readonly client: RedisClient
  private readonly count: CountCommand
  private readonly keyPrefix: string
  private readonly onError: (err: Error) => void
  private readonly keysPerCall: number
  /** By window length, then by key. */
  private waiting = new Map<number, Map<string, Batch>>()

  constructor (client: RedisClient, keyPrefix: string, onError: (err: Error) => void) {
    const redis = client as WithCountCommand
    if (redis[RATE_COUNT_COMMAND] === undefined) redis.defineCommand(RATE_COUNT_COMMAND, { lua: COUNT })
    this.client = client
    this.count = redis[RATE_COUNT_COMMAND] as CountCommand
    this.keyPrefix = keyPrefix
    this.onError = onError
    this.keysPerCall = client.isCluster ? 1 : MAX_KEYS_PER_CALL
  }

  increment (key: string, windowMs: number, callback: RateCountCallback): void {
    if (this.waiting.size === 0) setImmediate(this.sendWaiting)
    let byKey = this.waiting.get(windowMs)
    if (byKey === undefined) {
      byKey = new Map()
      this.waiting.set(windowMs, byKey)
    }
    const batch = byKey.get(key)
    if (batch === undefined) byKey.set(key, { key, first: callback })
    else (batch.more ??= []).push(callback)
  }

  private readonly sendWaiting = (): void => {
    const windows = this.waiting
    this.waiting = new Map()
    const keysPerCall = this.keysPerCall
    for (const [windowMs, byKey] of windows) {
      const batches = [...byKey.values()]
      for (let from = 0; from < batches.length; from += keysPerCall) this.send(windowMs, batches.slice(from, from + keysPerCall))
    }
  }

  /** One call for `batches` of one window; the keys asked more than once go first, with their counts. */
  private send (windowMs: number, batches: Batch[]): void {
    const repeated = batches.filter(batch => batch.more !== undefined)
    const ordered = repeated.length === 0 ? batches : [...repeated, ...batches.filter(batch => batch.more === undefined)]
    const args: Array<string | number> = ordered.map(batch => `${this.keyPrefix}${batch.key}`)
    args.push(windowMs)
    for (const batch of repeated) args.push((batch.more as RateCountCallback[]).length + 1)
    this.count.call(this.client, ordered.length, ...args).then(counts => {
      for (let b = 0; b < ordered.length; b++) answer(ordered[b], counts[2 * b], counts[2 * b + 1])
    }, err => {
      const error = asError(err)
      for (const batch of ordered) this.fail(batch, windowMs, error)
    })
  }

  private fail (batch: Batch, windowMs: number, err: Error): void {
    for (const callback of batch.more === undefined ? [batch.first] : [batch.first, ...batch.more]) {
      this.onError(err)
      callback(null, { current: 0, ttl: windowMs })
    }
  }
}
