// The Redis rate-limit store: counts of one turn of the event loop go out together and stay exact across clients.
import { once } from 'node:events'
import t from 'tap'
import { redisRateStore } from '../../../plugins/app/rate-limit-store.js'
import { createRedisClient } from '../../../src/store/redis-client.js'
import { startRedis, uniquePrefix } from '../../helpers/redis-server.js'

type Result = { current: number, ttl: number }

/** incr() as a promise, the way @fastify/rate-limit calls it. */
function count (store: { incr: (key: string, cb: (err: Error | null, result?: Result) => void, timeWindow: number) => void }, key: string, timeWindow: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    store.incr(key, (err, result) => { err === null && result !== undefined ? resolve(result) : reject(err ?? new Error('no result')) }, timeWindow)
  })
}

t.test('concurrent counts on two clients get every number from 1 to n once, in one window', async t => {
  const redis = await startRedis(t)
  const a = createRedisClient({ url: redis.url, commandTimeoutMs: 1000 })
  const b = createRedisClient({ url: redis.url, commandTimeoutMs: 1000 })
  t.teardown(() => { a.disconnect(); b.disconnect() })
  await Promise.all([once(a, 'ready'), once(b, 'ready')])
  const prefix = `${uniquePrefix()}rl:`
  const errors: unknown[] = []
  const StoreA = redisRateStore(a, prefix, err => errors.push(err))
  const StoreB = redisRateStore(b, prefix, err => errors.push(err))
  const storeA = new StoreA()
  const storeB = new StoreB()

  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => count(i % 2 === 0 ? storeA : storeB, 'tenant-a', 60_000)))
  t.same(results.map(r => r.current).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i + 1))
  t.ok(results.every(r => r.ttl > 0 && r.ttl <= 60_000), 'every answer carries the window left')
  t.equal(Number(await a.get(`${prefix}tenant-a`)), 100, 'Redis holds the total')
  const ttl = await a.pttl(`${prefix}tenant-a`)
  t.ok(ttl > 0 && ttl <= 60_000, 'the key expires with the window')

  const other = await Promise.all([count(storeA, 'tenant-b', 60_000), count(storeA, 'tenant-b', 60_000), count(storeB, 'tenant-a', 60_000)])
  t.same(other.map(r => r.current), [1, 2, 101], 'keys are counted apart')

  // More keys in one turn than one script call takes: 1200 keys, the even ones asked twice, in two windows.
  const keys = Array.from({ length: 1200 }, (_, i) => `many-${i}`)
  const many = await Promise.all(keys.flatMap((key, i) => i % 2 === 0
    ? [count(storeA, key, 30_000), count(storeA, key, 30_000)]
    : [count(storeA, key, 90_000)]))
  let at = 0
  keys.forEach((key, i) => {
    if (i % 2 === 0) {
      t.same(many.slice(at, at + 2).map(r => r.current), [1, 2], key)
      t.ok(many[at].ttl > 0 && many[at].ttl <= 30_000)
      at += 2
    } else {
      t.equal(many[at].current, 1, key)
      t.ok(many[at].ttl > 30_000 && many[at].ttl <= 90_000, 'each key has its own window')
      at += 1
    }
  })
  t.equal(Number(await a.get(`${prefix}many-1198`)), 2)

  // One window, keys asked once and keys asked several times mixed in arrival order (the call sends the latter first).
  const mixed = ['mix-0', 'mix-1', 'mix-2', 'mix-1', 'mix-3', 'mix-1', 'mix-3', 'mix-4']
  const mixedResults = await Promise.all(mixed.map(key => count(storeB, key, 45_000)))
  t.same(mixedResults.map(r => r.current), [1, 1, 1, 2, 1, 3, 2, 1], 'each key counts its own requests in arrival order')
  t.ok(mixedResults.every(r => r.ttl > 30_000 && r.ttl <= 45_000), 'every key gets its window')
  t.same(await Promise.all(['mix-0', 'mix-1', 'mix-3', 'mix-4'].map(async key => Number(await b.get(`${prefix}${key}`)))), [1, 3, 2, 1])
  t.same(errors, [])
})

t.test('a batch sent to a Redis that does not answer lets each of its requests through and reports each', async t => {
  const redis = await startRedis(t)
  const client = createRedisClient({ url: redis.url, commandTimeoutMs: 200 })
  t.teardown(() => { redis.thaw(); client.disconnect() })
  await once(client, 'ready')
  const errors: unknown[] = []
  const Store = redisRateStore(client, `${uniquePrefix()}rl:`, err => errors.push(err))
  const store = new Store()
  redis.freeze()
  const results = await Promise.all([count(store, 'frozen', 1000), count(store, 'frozen', 1000), count(store, 'frozen', 1000)])
  t.same(results, Array(3).fill({ current: 0, ttl: 1000 }))
  t.equal(errors.length, 3)
})
