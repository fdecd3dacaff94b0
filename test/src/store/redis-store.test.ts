// Runs the store contract against a real redis-server, plus the Redis-only promises: key layout, failing audit writes, outages.
import t from 'tap'
import type { Test } from 'tap'
import { createRedisClient } from '../../../src/store/redis-client.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { TokenmintError } from '../../../src/errors.js'
import { redisUrlFor, startRedis, uniquePrefix } from '../../helpers/redis-server.js'
import { apiKeyFixture, auditFixture, changeNotice, keyFixture, storeContract, tenantFixture } from '../../helpers/store-contract.js'

const url = await redisUrlFor(t)

function openStore (redisUrl: string, prefix = uniquePrefix()): RedisStore {
  return new RedisStore({
    client: createRedisClient({ url: redisUrl, commandTimeoutMs: 1000, name: 'tm-test' }),
    subscriber: createRedisClient({ url: redisUrl, commandTimeoutMs: 1000, name: 'tm-test-sub' }),
    prefix
  })
}

async function connectedStore (t: Test, redisUrl = url, prefix = uniquePrefix()): Promise<RedisStore> {
  const store = openStore(redisUrl, prefix)
  t.teardown(async () => { await store.close() })
  await store.connected()
  return store
}

storeContract(t, async () => {
  const prefix = uniquePrefix()
  const connected = async (): Promise<RedisStore> => {
    const store = openStore(url, prefix)
    await store.connected()
    return store
  }
  return { store: await connected(), peer: connected }
})

t.test('key layout: hash-tagged tenant keys and global indexes under the prefix', async t => {
  const prefix = uniquePrefix()
  const store = await connectedStore(t, url, prefix)
  const redis = store.redis
  const version = await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
  await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'), { once: 'p7', onceTtlMs: 30_000 })
  await store.putApiKey(apiKeyFixture('acme', 'ak1'), auditFixture('apikey.create', 'acme'))
  await store.setRotationDue('acme', 1234)

  const base = `${prefix}{t:acme}`
  t.same(JSON.parse(await redis.get(`${base}:tenant`) ?? 'null'), tenantFixture('acme'))
  t.equal(Number(await redis.get(`${base}:ver`)), version + 2)
  t.same((await redis.hkeys(`${base}:keys`)).sort(), ['k1', 'k2'])
  t.same(JSON.parse(await redis.hget(`${base}:apikeys`, 'ak1') ?? 'null'), apiKeyFixture('acme', 'ak1'))
  t.equal(await redis.type(`${base}:audit`), 'stream')
  const ttl = await redis.pttl(`${base}:once:p7`)
  t.ok(ttl > 0 && ttl <= 30_000, 'the once-marker expires with its TTL')
  t.equal(await redis.zscore(`${prefix}tenants`, 'acme'), '0')
  const hour = Math.floor(auditFixture('x', 'acme').at / 3_600_000)
  t.equal(await redis.zscore(`${prefix}audit-hours`, String(hour)), String(hour), 'the hour of the entries is indexed')
  t.equal(await redis.sismember(`${prefix}audit-hour:${hour}`, 'acme'), 1, 'with the tenants that wrote in it')
  t.equal(await redis.zscore(`${prefix}rotation-due`, 'acme'), '1234')

  const [id, fields] = (await redis.xrevrange(`${base}:audit`, '+', '-', 'COUNT', 1))[0]
  t.equal(id, `${auditFixture('x', 'acme').at}-2`, 'the stream id is the entry\'s time, numbered within it')
  const retention = await redis.pttl(`${base}:audit`)
  t.ok(retention > 364 * 86_400_000 && retention <= 365 * 86_400_000, 'the log expires the retention after its last entry')
  t.same(fields, ['at', String(auditFixture('x', 'acme').at), 'actor', 'admin', 'action', 'apikey.create', 'tenant', 'acme', 'ip', '127.0.0.1'])
})

t.test('listTenants skips index entries whose tenant write never happened', async t => {
  const prefix = uniquePrefix()
  const store = await connectedStore(t, url, prefix)
  for (const id of ['a', 'c', 'e']) await store.createTenant(tenantFixture(id), undefined, auditFixture('tenant.create', id))
  await store.redis.zadd(`${prefix}tenants`, 0, 'b', 0, 'd', 0, 'f')
  const first = await store.listTenants({ limit: 2 })
  t.same(first.items.map(item => item.id), ['a', 'c'])
  const second = await store.listTenants({ limit: 2, cursor: first.nextCursor ?? undefined })
  t.same(second.items.map(item => item.id), ['e'])
  t.equal(second.nextCursor, null, 'trailing ghosts do not make another page')
})

t.test('a failing audit write fails the action and leaves nothing written', async t => {
  const prefix = uniquePrefix()
  const store = await connectedStore(t, url, prefix)
  const redis = store.redis
  await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
  await store.putApiKey(apiKeyFixture('acme', 'ak1'), auditFixture('apikey.create', 'acme'))
  const before = await store.getSnapshot('acme')
  await redis.set(`${prefix}{t:acme}:audit`, 'not a stream')

  const heard: string[] = []
  store.onChange(tenantId => { heard.push(tenantId) })
  const writes: Array<[string, () => Promise<unknown>]> = [
    ['updateTenant', async () => await store.updateTenant(tenantFixture('acme', 'Renamed'), before?.version ?? 0, auditFixture('tenant.update', 'acme'))],
    ['appendKey', async () => await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'), { once: 'p1', onceTtlMs: 60_000 })],
    ['revokeKey', async () => await store.revokeKey('acme', 'k1', 5, auditFixture('key.revoke', 'acme'))],
    ['putApiKey', async () => await store.putApiKey(apiKeyFixture('acme', 'ak2'), auditFixture('apikey.create', 'acme'))],
    ['deleteApiKey', async () => await store.deleteApiKey('acme', 'ak1', auditFixture('apikey.delete', 'acme'))],
    ['deleteTenant', async () => await store.deleteTenant('acme', auditFixture('tenant.delete', 'acme'))],
    ['appendAudit', async () => await store.appendAudit(auditFixture('tenant.read', 'acme'))]
  ]
  for (const [name, write] of writes) {
    const error = await write().then(() => undefined, (err: unknown) => err)
    t.ok(error instanceof TokenmintError && error.code === 'STORE_UNAVAILABLE', `${name} fails`)
    t.notMatch(JSON.stringify({ message: (error as Error).message, cause: String((error as Error).cause) }), /sealed-material/, `${name}: no material in the error`)
  }
  t.same(await store.getSnapshot('acme'), before, 'tenant, keys, API keys and version are unchanged')
  t.equal(await redis.exists(`${prefix}{t:acme}:once:p1`), 0, 'the once-marker was not claimed')
  t.equal(await redis.get(`${prefix}{t:acme}:audit`), 'not a stream')

  // A create whose audit write fails leaves no tenant behind, visible or listed.
  await redis.set(`${prefix}{t:beta}:audit`, 'not a stream')
  await t.rejects(store.createTenant(tenantFixture('beta'), keyFixture('b1'), auditFixture('tenant.create', 'beta')), { code: 'STORE_UNAVAILABLE' })
  t.equal(await store.getSnapshot('beta'), undefined)
  t.same((await store.listTenants({ limit: 10 })).items.map(item => item.id), ['acme'])

  // Once the audit key is usable again the same once-marker can still be claimed; the refused writes were never announced.
  await redis.del(`${prefix}{t:acme}:audit`)
  const announced = changeNotice(store, tenantId => tenantId === 'acme')
  t.equal(await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'), { once: 'p1', onceTtlMs: 60_000 }), true)
  t.same(await announced, ['acme', (before?.version ?? 0) + 1], 'the next version is the first one announced')
  t.same(heard, ['acme'])
})

t.test('outage: every call fails fast with STORE_UNAVAILABLE, and the same store recovers', async t => {
  const server = await startRedis(t)
  const store = await connectedStore(t, server.url)
  await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
  const resync = changeNotice(store, tenantId => tenantId === '*')
  const lost = new Promise<Error>(resolve => {
    const off = store.onConnectionError(err => { off(); resolve(err) })
  })
  const errorListeners = store.redis.listenerCount('error')

  await server.kill()
  t.type(await lost, Error, 'the lost connection is reported to onConnectionError')
  t.equal(store.redis.listenerCount('error'), errorListeners - 1, 'whose unsubscribe removes the listener')
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['ready', async () => await store.ready()],
    ['createTenant', async () => await store.createTenant(tenantFixture('beta'), undefined, auditFixture('tenant.create', 'beta'))],
    ['getSnapshot', async () => await store.getSnapshot('acme')],
    ['listTenants', async () => await store.listTenants({ limit: 10 })],
    ['updateTenant', async () => await store.updateTenant(tenantFixture('acme'), 1, auditFixture('tenant.update', 'acme'))],
    ['deleteTenant', async () => await store.deleteTenant('acme', auditFixture('tenant.delete', 'acme'))],
    ['appendKey', async () => await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'))],
    ['revokeKey', async () => await store.revokeKey('acme', 'k1', 5, auditFixture('key.revoke', 'acme'))],
    ['putApiKey', async () => await store.putApiKey(apiKeyFixture('acme', 'ak1'), auditFixture('apikey.create', 'acme'))],
    ['getApiKey', async () => await store.getApiKey('acme', 'ak1')],
    ['deleteApiKey', async () => await store.deleteApiKey('acme', 'ak1', auditFixture('apikey.delete', 'acme'))],
    ['appendAudit', async () => await store.appendAudit(auditFixture('tenant.read', 'acme'))],
    ['listAudit', async () => await store.listAudit({ limit: 10 })],
    ['setRotationDue', async () => await store.setRotationDue('acme', 1)],
    ['listDueRotations', async () => await store.listDueRotations(1, 10)]
  ]
  for (const [name, call] of calls) {
    const started = performance.now()
    const error = await call().then(() => undefined, (err: unknown) => err)
    const elapsed = performance.now() - started
    t.ok(error instanceof TokenmintError && error.code === 'STORE_UNAVAILABLE', `${name} rejects with STORE_UNAVAILABLE`)
    t.ok(elapsed < 2000, `${name} gives up well within 2 s (took ${Math.round(elapsed)} ms)`)
  }

  await server.restart()
  t.same(await resync, ['*', 0], 'listeners are told to drop everything after the reconnect')
  await store.connected()
  await store.ready()
  // The restarted server is empty: the same store writes and reads again.
  const version = await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
  t.equal((await store.getSnapshot('acme'))?.version, version)
})

t.test('a Redis that stops answering makes calls time out instead of hanging', async t => {
  const server = await startRedis(t)
  const store = await connectedStore(t, server.url)
  await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
  server.freeze()
  t.teardown(server.thaw)
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['getSnapshot', async () => await store.getSnapshot('acme')],
    ['appendKey', async () => await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'))]
  ]
  const outcomes = await Promise.all(calls.map(async ([name, call]) => {
    const started = performance.now()
    const error = await call().then(() => undefined, (err: unknown) => err)
    return { name, error, elapsed: performance.now() - started }
  }))
  for (const { name, error, elapsed } of outcomes) {
    t.ok(error instanceof TokenmintError && error.code === 'STORE_UNAVAILABLE', `${name} rejects with STORE_UNAVAILABLE`)
    t.ok(elapsed < 2000, `${name} gives up well within 2 s (took ${Math.round(elapsed)} ms)`)
  }
  server.thaw()
  await store.ready()
  t.equal((await store.getSnapshot('acme'))?.tenant.id, 'acme', 'the connection is usable again')
})

t.test('a Redis that is down at start does not stop the store from starting, and is used once it appears', async t => {
  const server = await startRedis(t)
  await server.kill()
  const store = openStore(server.url)
  t.teardown(async () => { await store.close() })
  await t.rejects(store.ready(), { code: 'STORE_UNAVAILABLE' })
  await server.restart()
  await store.connected()
  await store.ready()
  const announced = changeNotice(store, tenantId => tenantId === 'acme')
  const version = await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  t.same(await announced, ['acme', version], 'change notices flow once connected')
})

t.test('two stores on one Redis hear each other', async t => {
  const prefix = uniquePrefix()
  const writer = await connectedStore(t, url, prefix)
  const reader = await connectedStore(t, url, prefix)
  const heard = changeNotice(reader, tenantId => tenantId === 'acme')
  const version = await writer.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  t.same(await heard, ['acme', version])
  t.equal((await reader.getSnapshot('acme'))?.version, version)
})

t.test('a page of the merged audit log reads only the tenants active in the hours it spans', async t => {
  const server = await startRedis(t)
  const store = await connectedStore(t, server.url)
  const HOUR = 3_600_000
  const T0 = auditFixture('x', 'acme').at
  // 100 tenants wrote a day ago; 3 wrote in the last hour, twice each.
  for (let i = 0; i < 100; i++) await store.appendAudit(auditFixture('old', `old-${i}`, T0))
  for (let i = 0; i < 6; i++) await store.appendAudit(auditFixture('new', `new-${i % 3}`, T0 + 24 * HOUR + i))
  const xrevranges = async (): Promise<number> => {
    const stats = await store.redis.info('commandstats')
    return Number(/cmdstat_xrevrange:calls=(\d+)/.exec(stats)?.[1] ?? 0)
  }
  const before = await xrevranges()
  const page = await store.listAudit({ limit: 3 })
  const reads = await xrevranges() - before
  t.same(page.items.map(entry => entry.tenant), ['new-2', 'new-1', 'new-0'])
  t.type(page.nextCursor, 'string')
  t.equal(reads, 3, 'one read per tenant active in the newest hour, none for the 100 others')

  const all = (await store.listAudit({ limit: 1000 })).items
  t.equal(all.length, 106, 'every entry is still reachable')
})

t.test('a log written before the hour index is indexed on the first merged listing', async t => {
  const prefix = uniquePrefix()
  const store = await connectedStore(t, url, prefix)
  const redis = store.redis
  // The former layout: a set of audited tenants and streams with server-time ids.
  for (const tenant of ['early-a', 'early-b']) {
    await redis.sadd(`${prefix}audit-tenants`, tenant)
    await redis.xadd(`${prefix}{t:${tenant}}:audit`, '*', 'at', String(Date.now()), 'actor', 'admin', 'action', `before.${tenant}`, 'tenant', tenant, 'ip', '')
  }
  await store.appendAudit(auditFixture('after', 'late', Date.now() + 1000))
  t.same((await store.listAudit({ limit: 10 })).items.map(entry => entry.action), ['after', 'before.early-b', 'before.early-a'])
  t.equal(await redis.exists(`${prefix}audit-tenants`), 0, 'the former set is gone once indexed')
  t.equal((await store.listAudit({ limit: 10 })).items.length, 3, 'and the entries stay listed')
})
