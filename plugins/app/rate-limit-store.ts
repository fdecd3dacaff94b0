// A Redis counter store for @fastify/rate-limit: the counts asked in one event-loop turn go out as one script call; a Redis failure lets requests through.
import type { Cluster, Redis } from 'ioredis'
import { RATE_COUNT_COMMAND } from '../../src/store/redis-client.js'

/**
 * For each key i: adds ARGV[2i] requests to its count; a window of ARGV[2i-1] ms starts with the first request of
 * the window. Returns the count and the time left (ms) of each key, in order.
 */
const COUNT = `
local result = {}
for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i - 1])
  local added = tonumber(ARGV[2 * i])
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
/** numkeys, the keys, then (window, added) per key. */
type CountCommand = (numberOfKeys: number, ...keysThenArgs: Array<string | number>) => Promise<number[]>
type WithCountCommand = (Redis | Cluster) & { [RATE_COUNT_COMMAND]?: CountCommand }

/** The requests of one key (and window) waiting for the next send. */
interface Batch {
  key: string
  timeWindow: number
  callbacks: RateCallback[]
}

/**
 * A store class (the plugin instantiates it) counting in Redis under `nameSpace`, on a client made by
 * `createRedisClient` (its command timeout bounds each count; the count command is not auto-pipelined).
 *
 * The requests that arrive in one turn of the event loop are counted by one script call (on a cluster, where the
 * keys of one call must share a slot, one call per key): a key asked for n times gets INCRBY n, and the total T
 * gives its requests the counts T-n+1 ... T, exactly what n INCRs in a row would have given. Redis runs the script
 * atomically, so counts stay exact across instances; under load this turns one Redis command per request into one
 * per turn. The calls are made from setImmediate, once the poll phase has read every socket that is ready.
 *
 * A call that fails (Redis down, or no answer within the client's command timeout) lets its requests through and
 * reports each failure; a late answer is dropped by the client (the counts themselves still happened).
 */
export function redisRateStore (client: Redis | Cluster, nameSpace: string, onError: (err: unknown) => void) {
  const redis = client as WithCountCommand
  if (redis[RATE_COUNT_COMMAND] === undefined) redis.defineCommand(RATE_COUNT_COMMAND, { lua: COUNT })
  const count = redis[RATE_COUNT_COMMAND] as CountCommand
  const keysPerCall = client.isCluster ? 1 : MAX_KEYS_PER_CALL
  let waiting = new Map<string, Batch>()

  function send (batches: Batch[]): void {
    const args: Array<string | number> = batches.map(batch => `${nameSpace}${batch.key}`)
    for (const batch of batches) args.push(batch.timeWindow, batch.callbacks.length)
    count.call(redis, batches.length, ...args).then(counts => {
      for (let b = 0; b < batches.length; b++) {
        const { callbacks } = batches[b]
        const total = counts[2 * b]
        const ttl = counts[2 * b + 1]
        for (let i = 0; i < callbacks.length; i++) callbacks[i](null, { current: total - callbacks.length + 1 + i, ttl })
      }
    }, err => {
      for (const { callbacks, timeWindow } of batches) {
        for (const callback of callbacks) {
          onError(err)
          callback(null, { current: 0, ttl: timeWindow })
        }
      }
    })
  }

  function sendWaiting (): void {
    const batches = [...waiting.values()]
    waiting = new Map()
    for (let from = 0; from < batches.length; from += keysPerCall) send(batches.slice(from, from + keysPerCall))
  }

  return class RedisRateStore {
    incr (key: string, callback: RateCallback, timeWindow: number): void {
      const id = `${timeWindow} ${key}`
      const batch = waiting.get(id)
      if (batch !== undefined) {
        batch.callbacks.push(callback)
        return
      }
      if (waiting.size === 0) setImmediate(sendWaiting)
      waiting.set(id, { key, timeWindow, callbacks: [callback] })
    }

    child (): RedisRateStore {
      return this
    }
  }
}
