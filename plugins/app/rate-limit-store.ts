// A Redis counter store for @fastify/rate-limit that, when Redis fails, lets the request through within the command timeout and reports it.
import type { Cluster, Redis } from 'ioredis'

const INCR = `
local current = redis.call('INCR', KEYS[1])
local ttl = tonumber(ARGV[1])
if current == 1 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    ttl = tonumber(ARGV[1])
    redis.call('PEXPIRE', KEYS[1], ttl)
  end
end
return { current, ttl }
`

type RateCallback = (err: Error | null, result?: { current: number, ttl: number }) => void
type WithRateCommand = (Redis | Cluster) & { tmRateIncr?: (key: string, ttl: number) => Promise<[number, number]> }

/** The client's command timeout (ms): how long a request may wait for its count. */
function commandTimeoutOf (client: Redis | Cluster): number {
  const options = client.isCluster ? (client as Cluster).options.redisOptions : (client as Redis).options
  return options?.commandTimeout ?? 1000
}

/**
 * A store class (the plugin instantiates it) counting in Redis under `nameSpace`.
 *
 * Each count has its own deadline, the client's command timeout: with auto-pipelining, a command issued while an
 * earlier pipeline is still unanswered waits, unsent and without a timer, until that one settles, so on a Redis
 * that hangs it could wait for two timeouts. At the deadline the request is let through and the failure reported;
 * a late answer is ignored (the count itself still happened).
 */
export function redisRateStore (client: Redis | Cluster, nameSpace: string, onError: (err: unknown) => void) {
  const redis = client as WithRateCommand
  if (redis.tmRateIncr === undefined) redis.defineCommand('tmRateIncr', { numberOfKeys: 1, lua: INCR })
  const incr = redis.tmRateIncr as (key: string, ttl: number) => Promise<[number, number]>
  const deadlineMs = commandTimeoutOf(client)
  return class RedisRateStore {
    incr (key: string, callback: RateCallback, timeWindow: number): void {
      let settled = false
      const letThrough = (err: unknown): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        onError(err)
        callback(null, { current: 0, ttl: timeWindow })
      }
      const timer = setTimeout(letThrough, deadlineMs, new Error(`the rate-limit count did not answer within ${deadlineMs} ms`))
      incr.call(redis, `${nameSpace}${key}`, timeWindow).then(([current, ttl]) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        callback(null, { current, ttl })
      }, letThrough)
    }

    child (): RedisRateStore {
      return this
    }
  }
}
