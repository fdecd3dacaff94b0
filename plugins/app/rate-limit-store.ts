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

/** A store class (the plugin instantiates it) counting in Redis under `nameSpace`. */
export function redisRateStore (client: Redis | Cluster, nameSpace: string, onError: (err: unknown) => void) {
  const redis = client as WithRateCommand
  if (redis.tmRateIncr === undefined) redis.defineCommand('tmRateIncr', { numberOfKeys: 1, lua: INCR })
  const incr = redis.tmRateIncr as (key: string, ttl: number) => Promise<[number, number]>
  return class RedisRateStore {
    incr (key: string, callback: RateCallback, timeWindow: number): void {
      incr.call(redis, `${nameSpace}${key}`, timeWindow).then(
        ([current, ttl]) => callback(null, { current, ttl }),
        (err: unknown) => {
          onError(err)
          callback(null, { current: 0, ttl: timeWindow })
        }
      )
    }

    child (): RedisRateStore {
      return this
    }
  }
}
