// REDIS_MIN_REPLICAS: with a replica every admin write still works; without one each is refused with a 503 that says it may have been applied.
import t from 'tap'
import type { Test } from 'tap'
import { Redis } from 'ioredis'
import { TokenmintError } from '../../../src/errors.js'
import { createRedisClient } from '../../../src/store/redis-client.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { startRedis, uniquePrefix, type RedisHandle } from '../../helpers/redis-server.js'
import { apiKeyFixture, auditFixture, keyFixture, storeContract, tenantFixture } from '../../helpers/store-contract.js'
import { startClusterTopology } from '../../helpers/topology.js'

const TIMEOUT_MS = 1000
const replication = { minReplicas: 1, timeoutMs: TIMEOUT_MS / 2 }

const primary = await startRedis(t)
let replicas = 0
/** One more replica of `primary`, resolved once it acknowledges writes with the others. */
async function startReplica (t: Test): Promise<RedisHandle> {
  const replica = await startRedis(t, { args: ['--replicaof', '127.0.0.1', String(primary.port)] })
  replicas++
  t.teardown(() => { replicas-- })
  const probe = new Redis(primary.url)
  try {
    for (;;) {
      await probe.set('probe', '1')
      if (await probe.call('WAIT', replicas, 100) as number >= replicas) return replica
    }
  } finally {
    probe.disconnect()
  }
}
await startReplica(t)

function openStore (options: { url?: string, clusterNodes?: Array<{ host: string, port: number }> }, prefix = uniquePrefix()): RedisStore {
  const client = { ...options, commandTimeoutMs: TIMEOUT_MS }
  return new RedisStore({
    client: createRedisClient({ ...client, name: 'tm-test' }),
    subscriber: createRedisClient({ ...client, name: 'tm-test-sub' }),
    prefix,
    replication
  })
}

t.test('with a replica: the store contract holds, every write waiting for it', async t => {
  storeContract(t, async () => {
    const store = openStore({ url: primary.url })
    await store.connected()
    return { store }
  })
})

t.test('on a cluster with replicas: the store contract holds, WAIT going to the master of each write', async t => {
  const cluster = await startClusterTopology(t, { secondReplicaFor: 'tm:tenants' })
  storeContract(t, async () => {
    const store = openStore({ clusterNodes: cluster.seeds })
    await store.connected()
    return { store }
  })
})

t.test('with no replica left: each admin write answers STORE_UNAVAILABLE within the timeout, saying it may have been applied', async t => {
  const own = await startRedis(t)
  const prefix = uniquePrefix()
  const store = openStore({ url: own.url }, prefix)
  t.teardown(async () => { await store.close() })
  await store.connected()
  // Refused at its first write (the index entry), as the detail warns: then created by a store that waits for none.
  await t.rejects(store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme')), { code: 'STORE_UNAVAILABLE', message: /may have been applied/ })
  const plain = new RedisStore({ client: createRedisClient({ url: own.url, commandTimeoutMs: TIMEOUT_MS }), subscriber: createRedisClient({ url: own.url, commandTimeoutMs: TIMEOUT_MS }), prefix })
  t.teardown(async () => { await plain.close() })
  await plain.connected()
  await plain.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
  const writes: Array<[string, () => Promise<unknown>]> = [
    ['updateTenant', async () => await store.updateTenant(tenantFixture('acme', 'Renamed'), 1, auditFixture('tenant.update', 'acme'))],
    ['appendKey', async () => await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'))],
    ['revokeKey', async () => await store.revokeKey('acme', 'k1', 5, auditFixture('key.revoke', 'acme'))],
    ['putApiKey', async () => await store.putApiKey(apiKeyFixture('acme', 'ak1'), auditFixture('apikey.create', 'acme'))],
    ['deleteApiKey', async () => await store.deleteApiKey('acme', 'ak1', auditFixture('apikey.delete', 'acme'))],
    ['appendAudit', async () => await store.appendAudit(auditFixture('tenant.read', 'acme'))],
    ['setRotationDue', async () => await store.setRotationDue('acme', 1234)]
  ]
  for (const [name, write] of writes) {
    const started = performance.now()
    const error = await write().then(() => undefined, (err: unknown) => err)
    const elapsed = performance.now() - started
    t.ok(error instanceof TokenmintError && error.code === 'STORE_UNAVAILABLE', `${name} rejects with STORE_UNAVAILABLE`)
    t.match((error as Error).message, /may have been applied: read it again before retrying/, `${name}: the detail says to re-read`)
    t.ok(elapsed < TIMEOUT_MS, `${name} gives up after WAIT's timeout (took ${Math.round(elapsed)} ms)`)
  }
  // They were applied on the primary, as the detail warns.
  const snapshot = await store.getSnapshot('acme')
  t.equal(snapshot?.tenant.name, 'Renamed')
  t.same(snapshot?.keys.map(key => [key.kid, key.revokedAt]), [['k1', 5], ['k2', undefined]])
  t.same(await store.listDueRotations(2000, 10), ['acme'])

  t.equal((await store.getSnapshot('acme'))?.version, snapshot?.version, 'reads do not wait')
})

t.test('domain errors stay domain errors, and a write a replica holds succeeds', async t => {
  const store = openStore({ url: primary.url })
  t.teardown(async () => { await store.close() })
  await store.connected()
  await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
  await t.rejects(store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme')), { code: 'TENANT_EXISTS' })
  await t.rejects(store.revokeKey('acme', 'nope', 5, auditFixture('key.revoke', 'acme')), { code: 'KEY_NOT_FOUND' })
  await t.rejects(store.updateTenant(tenantFixture('acme'), 7, auditFixture('tenant.update', 'acme')), { code: 'CONFLICT' })
  t.equal(await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'), { once: 'p1' }), true)
  t.equal(await store.appendKey('acme', keyFixture('k3'), auditFixture('key.rotate', 'acme'), { once: 'p1' }), false, 'a claimed once-marker is still reported')
})

t.test('a replica that stops answering makes writes fail after the timeout, not hang', async t => {
  const replica = await startReplica(t)
  const store = openStore({ url: primary.url })
  t.teardown(async () => { await store.close() })
  await store.connected()
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  // Two replicas now; a store that needs both fails once this test's one is frozen.
  const strict = new RedisStore({
    client: createRedisClient({ url: primary.url, commandTimeoutMs: TIMEOUT_MS }),
    subscriber: createRedisClient({ url: primary.url, commandTimeoutMs: TIMEOUT_MS }),
    prefix: uniquePrefix(),
    replication: { minReplicas: 2, timeoutMs: TIMEOUT_MS / 2 }
  })
  t.teardown(async () => { await strict.close() })
  await strict.connected()
  await strict.createTenant(tenantFixture('beta'), undefined, auditFixture('tenant.create', 'beta'))
  replica.freeze()
  t.teardown(replica.thaw)
  const started = performance.now()
  await t.rejects(strict.updateTenant(tenantFixture('beta', 'Renamed'), 1, auditFixture('tenant.update', 'beta')), { code: 'STORE_UNAVAILABLE', message: /may have been applied/ })
  t.ok(performance.now() - started < TIMEOUT_MS + 500, 'within the timeout')
  t.equal(await store.updateTenant(tenantFixture('acme', 'Renamed'), 1, auditFixture('tenant.update', 'acme')), 2, 'one replica still suffices for n=1')
  replica.thaw()
})
