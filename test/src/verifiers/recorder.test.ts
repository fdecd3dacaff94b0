// The recorder: what a tick writes and when, an explicit flush writes every fetch seen before it, the memory bound, failed flushes.
import t from 'tap'
import type { Test } from 'tap'
import { MemoryStore } from '../../../src/store/memory-store.js'
import { createRedisClient } from '../../../src/store/redis-client.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { REFRESH_MS, VerifierRecorder, verifierId } from '../../../src/verifiers/recorder.js'
import { startRedis, uniquePrefix } from '../../helpers/redis-server.js'
import { tenantFixture, auditFixture } from '../../helpers/store-contract.js'

async function openRedisStore (t: Test, url: string): Promise<RedisStore> {
  const store = new RedisStore({
    client: createRedisClient({ url, commandTimeoutMs: 500, name: 'tm-test' }),
    subscriber: createRedisClient({ url, commandTimeoutMs: 500, name: 'tm-test-sub' }),
    prefix: uniquePrefix()
  })
  t.teardown(async () => { await store.close() })
  await store.connected()
  return store
}

t.test('a flush called during another one writes what came in after the first one started', async t => {
  const store = new MemoryStore()
  t.teardown(async () => { await store.close() })
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  const recorder = new VerifierRecorder({ store, clock: () => 1000, max: 10 })
  const document = { body: JSON.stringify({ keys: [{ kid: 'k1' }] }), etag: '"e"' }
  recorder.fetched('acme', '192.0.2.1', 'first', 1000, document)
  const first = recorder.flush()
  recorder.fetched('acme', '192.0.2.1', 'second', 1000)
  await recorder.flush()
  await first
  const records = (await store.getVerifiers('acme')).sort((a, b) => a.userAgent.localeCompare(b.userAgent))
  t.same(records.map(r => [r.id, r.userAgent, r.fetches, r.kids]), [
    [verifierId('192.0.2.1', 'first'), 'first', 1, ['k1']],
    [verifierId('192.0.2.1', 'second'), 'second', 1, []]
  ])
})

t.test('new verifiers beyond the pending bound are dropped and counted; known ones keep counting', async t => {
  const store = new MemoryStore()
  t.teardown(async () => { await store.close() })
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  const recorder = new VerifierRecorder({ store, clock: () => 1000, max: 10, pendingMax: 2 })
  for (const agent of ['a', 'b', 'c', 'a']) recorder.fetched('acme', '192.0.2.1', agent, 1000)
  t.equal(recorder.dropped, 1)
  await recorder.stop()
  t.same((await store.getVerifiers('acme')).map(r => [r.userAgent, r.fetches]).sort(), [['a', 2], ['b', 1]], 'stop writes what is left')
})

t.test('a tick writes new verifiers and those with another document at once, one polling the same document every REFRESH_MS', async t => {
  const store = new MemoryStore()
  t.teardown(async () => { await store.close() })
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  let now = 1000
  const recorder = new VerifierRecorder({ store, clock: () => now, max: 10, refreshMs: REFRESH_MS })
  const v1 = { body: JSON.stringify({ keys: [{ kid: 'k1' }] }), etag: '"1"' }
  const v2 = { body: JSON.stringify({ keys: [{ kid: 'k1' }, { kid: 'k2' }] }), etag: '"2"' }
  const stored = async () => Object.fromEntries((await store.getVerifiers('acme')).map(r => [r.userAgent, [r.fetches, r.kids, r.lastSeen]]))
  recorder.fetched('acme', '192.0.2.1', 'steady', now, v1)
  recorder.fetched('acme', '192.0.2.1', 'mover', now, v1)
  await recorder.flushDue()
  t.same(await stored(), { steady: [1, ['k1'], 1000], mover: [1, ['k1'], 1000] }, 'new verifiers: written by the first tick')

  now += 1000
  recorder.fetched('acme', '192.0.2.1', 'steady', now, v1)
  recorder.fetched('acme', '192.0.2.1', 'mover', now, v2)
  await recorder.flushDue()
  t.same(await stored(), { steady: [1, ['k1'], 1000], mover: [2, ['k1', 'k2'], 2000] }, 'another document: written by the next tick; the same one waits')

  now = 1000 + REFRESH_MS - 1
  recorder.fetched('acme', '192.0.2.1', 'steady', now, v1)
  await recorder.flushDue()
  t.same((await stored()).steady, [1, ['k1'], 1000], 'not before REFRESH_MS')
  now = 1000 + REFRESH_MS
  await recorder.flushDue()
  t.same((await stored()).steady, [3, ['k1'], 1000 + REFRESH_MS - 1], 'then with every fetch counted meanwhile')

  recorder.fetched('acme', '192.0.2.1', 'steady', now, v1)
  await recorder.flush()
  t.same((await stored()).steady[0], 4, 'an explicit flush writes everything')
})

t.test('a verifier idle for REFRESH_MS is forgotten in memory, not in the store; a failed flush keeps its fetches for the next', async t => {
  const redis = await startRedis(t)
  const store = await openRedisStore(t, redis.url)
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  let now = 1000
  const failures: number[] = []
  const recorder = new VerifierRecorder({ store, clock: () => now, max: 10, pendingMax: 1, onFlushError: (_err, fetches) => failures.push(fetches) })
  recorder.fetched('acme', '192.0.2.1', 'a', now)
  await recorder.flushDue()
  recorder.fetched('acme', '192.0.2.1', 'b', now)
  t.equal(recorder.dropped, 1, 'the bound holds while a is remembered')
  now += REFRESH_MS
  await recorder.flushDue()
  recorder.fetched('acme', '192.0.2.1', 'b', now)
  t.equal(recorder.dropped, 1, 'a was forgotten, so b is taken')

  // Redis refuses writes while over maxmemory (noeviction): the flush fails and nothing of it is applied.
  const admin = createRedisClient({ url: redis.url, commandTimeoutMs: 500, name: 'tm-test-admin' })
  t.teardown(() => { admin.disconnect() })
  await new Promise(resolve => admin.once('ready', resolve))
  await admin.config('SET', 'maxmemory-policy', 'noeviction')
  await admin.config('SET', 'maxmemory', '1')
  await recorder.flush()
  t.same(failures, [1], 'the failure is reported with its fetches')
  await admin.config('SET', 'maxmemory', '0')
  await recorder.flush()
  t.same((await store.getVerifiers('acme')).map(r => [r.userAgent, r.fetches]).sort(), [['a', 1], ['b', 1]], 'b was kept and written by the flush after the failure, once')
})
