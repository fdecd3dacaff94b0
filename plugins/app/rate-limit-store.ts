// A Redis counter store for @fastify/rate-limit: the counts asked in one event-loop turn go out as one script call; a Redis failure lets requests through.
import type { Cluster, Redis } from 'ioredis'
import { RATE_COUNT_COMMAND } from '../../src/store/redis-client.js'

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

/** Keys per script call: a turn with more tenants than this sends several calls. */
const MAX_KEYS_PER_CALL = 500

type RateCallback = (err: Error | null, result?: { current: number, ttl: number }) => void
/** numkeys, the keys, the window, then the added count of the first keys. */
type CountCommand = (numberOfKeys: number, ...keysThenArgs: Array<string | number>) => Promise<number[]>
type WithCountCommand = (Redis | Cluster) & { [RATE_COUNT_COMMAND]?: CountCommand }

/** The requests of one key waiting for the next send: the callbacks of the first one and of those after it. */
interface Batch {
  key: string
  first: RateCallback
  more?: RateCallback[]
}

/**
 * A store class (the plugin instantiates it) counting in Redis under `nameSpace`, on a client made by
 * `createRedisClient` (its command timeout bounds each count; the count command is not auto-pipelined).
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
export function redisRateStore (client: Redis | Cluster, nameSpace: string, onError: (err: unknown) => void) {
  const redis = client as WithCountCommand
  if (redis[RATE_COUNT_COMMAND] === undefined) redis.defineCommand(RATE_COUNT_COMMAND, { lua: COUNT })
  const count = redis[RATE_COUNT_COMMAND] as CountCommand
  const keysPerCall = client.isCluster ? 1 : MAX_KEYS_PER_CALL
  /** By window length, then by key. */
  let waiting = new Map<number, Map<string, Batch>>()

  function answer (batch: Batch, total: number, ttl: number): void {
    const more = batch.more
    const n = more === undefined ? 1 : more.length + 1
    batch.first(null, { current: total - n + 1, ttl })
    if (more !== undefined) for (let i = 0; i < more.length; i++) more[i](null, { current: total - n + 2 + i, ttl })
  }

  function fail (batch: Batch, timeWindow: number, err: unknown): void {
    for (const callback of batch.more === undefined ? [batch.first] : [batch.first, ...batch.more]) {
      onError(err)
      callback(null, { current: 0, ttl: timeWindow })
    }
  }

  /** One call for `batches` of one window; the keys asked more than once go first, with their counts. */
  function send (timeWindow: number, batches: Batch[]): void {
    const repeated = batches.filter(batch => batch.more !== undefined)
    const ordered = repeated.length === 0 ? batches : [...repeated, ...batches.filter(batch => batch.more === undefined)]
    const args: Array<string | number> = ordered.map(batch => `${nameSpace}${batch.key}`)
    args.push(timeWindow)
    for (const batch of repeated) args.push((batch.more as RateCallback[]).length + 1)
    count.call(redis, ordered.length, ...args).then(counts => {
      for (let b = 0; b < ordered.length; b++) answer(ordered[b], counts[2 * b], counts[2 * b + 1])
    }, err => {
      for (const batch of ordered) fail(batch, timeWindow, err)
    })
  }

  function sendWaiting (): void {
    const windows = waiting
    waiting = new Map()
    for (const [timeWindow, byKey] of windows) {
      const batches = [...byKey.values()]
      for (let from = 0; from < batches.length; from += keysPerCall) send(timeWindow, batches.slice(from, from + keysPerCall))
    }
  }

  return class RedisRateStore {
    incr (key: string, callback: RateCallback, timeWindow: number): void {
      if (waiting.size === 0) setImmediate(sendWaiting)
      let byKey = waiting.get(timeWindow)
      if (byKey === undefined) {
        byKey = new Map()
        waiting.set(timeWindow, byKey)
      }
      const batch = byKey.get(key)
      if (batch === undefined) byKey.set(key, { key, first: callback })
      else (batch.more ??= []).push(callback)
    }

    child (): RedisRateStore {
      return this
    }
  }
}
