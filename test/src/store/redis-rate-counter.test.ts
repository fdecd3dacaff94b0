// The Redis rate counter beyond the contract: its keys, one script call per turn and window, open on a Redis that hangs.
import { tracingChannel } from 'node:diagnostics_channel'
import t, { type Test } from 'tap'
import { createRedisClient } from '../../../src/store/redis-client.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { redisUrlFor, startRedis, uniquePrefix } from '../../helpers/redis-server.js'
import { rateCount } from '../../helpers/store-contract.js'

async function connectedStore (t: Test, url: string, prefix: string, commandTimeoutMs = 1000): Promise<RedisStore> {
  const store = new RedisStore({
    client: createRedisClient({ url, commandTimeoutMs, name: 'tm-test' }),
    subscriber: createRedisClient({ url, commandTimeoutMs, name: 'tm-test-sub' }),
    prefix
  })
  t.teardown(async () => { await store.close() })
  await store.connected()
  return store
}

/** Counts the script calls (EVALSHA) of every client of the process while it runs. */
function scriptCalls (t: Test): { count: number } {
  const calls = { count: 0 }
  const handlers = {
    start (context: { command: string }) { if (context.command === 'evalsha') calls.count++ },
    end () {},
    asyncStart () {},
    asyncEnd () {},
    error () {}
  }
  const channel = tracingChannel<string, { command: string }>('ioredis:command')
  channel.subscribe(handlers)
  t.teardown(() => { channel.unsubscribe(handlers) })
  return calls
}

t.test('Redis holds each count under the prefix and namespace, with the window as its expiry', async t => {
  const url = await redisUrlFor(t)
  const prefix = uniquePrefix()
  const store = await connectedStore(t, url, prefix)
  const counter = store.openRateCounter({ nameSpace: 'rl:', onError: err => { t.fail(err.message) } })
  const counts = await Promise.all([1, 2, 3].map(async () => await rateCount(counter, 'tenant-a', 60_000)))
  t.same(counts.map(count => count.current), [1, 2, 3])
  t.equal(Number(await store.redis.get(`${prefix}rl:tenant-a`)), 3, 'Redis holds the total')
  const ttl = await store.redis.pttl(`${prefix}rl:tenant-a`)
  t.ok(ttl > 0 && ttl <= 60_000, 'the key expires with the window')
})

t.test('one script call per turn and window, at most 500 keys each', async t => {
  const url = await redisUrlFor(t)
  const store = await connectedStore(t, url, uniquePrefix())
  const counter = store.openRateCounter({ nameSpace: 'rl:', onError: err => { t.fail(err.message) } })
  await rateCount(counter, 'warm-up', 1000) // loads the script, so that no call is sent twice (NOSCRIPT, then EVAL)
  const calls = scriptCalls(t)

  await Promise.all(Array.from({ length: 50 }, async () => await rateCount(counter, 'one-key', 60_000)))
  t.equal(calls.count, 1, 'fifty counts of one key in one turn: one call')

  calls.count = 0
  const keys = Array.from({ length: 1200 }, (_, i) => `many-${i}`)
  const counts = await Promise.all(keys.map(async (key, i) => await rateCount(counter, key, i % 2 === 0 ? 30_000 : 90_000)))
  t.ok(counts.every(count => count.current === 1))
  t.equal(calls.count, 4, '600 keys in each of two windows: two calls per window')
})

t.test('a batch sent to a Redis that does not answer lets each of its requests through and reports each', async t => {
  const redis = await startRedis(t)
  const store = await connectedStore(t, redis.url, uniquePrefix(), 200)
  t.teardown(redis.thaw)
  const errors: Error[] = []
  const counter = store.openRateCounter({ nameSpace: 'rl:', onError: err => { errors.push(err) } })
  redis.freeze()
  const results = await Promise.all([rateCount(counter, 'frozen', 1000), rateCount(counter, 'frozen', 1000), rateCount(counter, 'frozen', 1000)])
  t.same(results, Array(3).fill({ current: 0, ttl: 1000 }))
  t.equal(errors.length, 3)
  t.match(errors[0].message, /timed out/i)
})
