// The per-instance cache: one build per version, dropped on change notices, bounded, and stale only while the store is down.
import t from 'tap'
import { ABSENT_TTL_MS, TenantCache } from '../../../src/cache/tenant-cache.js'
import { TokenmintError } from '../../../src/errors.js'
import { MemoryStore } from '../../../src/store/memory-store.js'
import type { ChangeListener } from '../../../src/store/store.js'
import type { TenantSnapshot } from '../../../src/types.js'
import { auditFixture, tenantFixture } from '../../helpers/store-contract.js'

/** A MemoryStore whose reads can be made to fail as an unreachable Redis would, and whose change notices can be lost. */
class FlakyStore extends MemoryStore {
  down = false
  /** Change notices are dropped while set (as if published while this instance was not listening). */
  deaf = false
  reads = 0
  versionReads = 0
  override async getSnapshot (id: string): Promise<TenantSnapshot | undefined> {
    this.reads++
    if (this.down) throw new TokenmintError('STORE_UNAVAILABLE', 'down')
    return await super.getSnapshot(id)
  }

  override async getVersion (id: string): Promise<number | undefined> {
    this.versionReads++
    if (this.down) throw new TokenmintError('STORE_UNAVAILABLE', 'down')
    return await super.getVersion(id)
  }

  override onChange (listener: ChangeListener): () => void {
    return super.onChange((tenantId, version) => { if (!this.deaf) listener(tenantId, version) })
  }
}

function setup (options: { ttlMs?: number, staleMaxMs?: number, maxTenants?: number } = {}) {
  let now = 1_000_000
  const store = new FlakyStore({ clock: () => now })
  const builds: number[] = []
  const cache = new TenantCache(store, snapshot => { builds.push(snapshot.version); return { version: snapshot.version, id: snapshot.tenant.id } }, {
    maxTenants: options.maxTenants ?? 10,
    ttlMs: options.ttlMs ?? 1000,
    staleMaxMs: options.staleMaxMs ?? 5000,
    clock: () => now
  })
  return { store, cache, builds, advance: (ms: number) => { now += ms } }
}

t.test('builds once per version and shares concurrent loads', async t => {
  const { store, cache, builds } = setup()
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('test', 'acme'))
  const [a, b] = await Promise.all([cache.get('acme'), cache.get('acme')])
  t.equal(a, b)
  t.equal(store.reads, 1, 'one read for two concurrent misses')
  t.same(builds, [1])
  t.equal(await cache.get('acme'), a, 'a fresh entry is a hit')
  t.equal(cache.stats.hits, 1)
  t.equal(await cache.get('nobody'), undefined)
  t.teardown(() => cache.close())
})

t.test('a change notice drops the entry; the next read builds the new version', async t => {
  const { store, cache, builds } = setup()
  const tenant = tenantFixture('acme')
  await store.createTenant(tenant, undefined, auditFixture('test', 'acme'))
  await cache.get('acme')
  const changed = new Promise<void>(resolve => store.onChange(() => resolve()))
  await store.updateTenant({ ...tenant, name: 'New' }, 1, auditFixture('test', 'acme'))
  await changed
  const runtime = await cache.get('acme')
  t.equal(runtime?.version, 2)
  t.same(builds, [1, 2])
  t.teardown(() => cache.close())
})

t.test('past the TTL an entry keeps serving while one version check runs; an unchanged version is good for another TTL', async t => {
  const { store, cache, builds, advance } = setup({ ttlMs: 1000 })
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('test', 'acme'))
  const first = await cache.get('acme')
  advance(1001)
  t.equal(cache.fresh('acme'), first, 'served at once, without waiting for the store')
  t.equal(cache.fresh('acme'), first)
  await cache.settled()
  t.equal(store.versionReads, 1, 'one version check for both lookups')
  t.equal(store.reads, 1, 'no snapshot read')
  t.same(builds, [1], 'no rebuild')
  t.equal(cache.stats.checks, 1)
  advance(999)
  t.equal(await cache.get('acme'), first)
  await cache.settled()
  t.equal(store.versionReads, 1, 'the check renewed the TTL')
  t.teardown(() => cache.close())
})

t.test('a change whose notice was lost is picked up by the version check after the TTL', async t => {
  const { store, cache, builds, advance } = setup({ ttlMs: 1000 })
  const tenant = tenantFixture('acme')
  await store.createTenant(tenant, undefined, auditFixture('test', 'acme'))
  const first = await cache.get('acme')
  store.deaf = true
  await store.updateTenant({ ...tenant, name: 'New' }, 1, auditFixture('test', 'acme'))
  t.equal(await cache.get('acme'), first, 'within the TTL the missed change is not seen')
  advance(1000)
  t.equal(await cache.get('acme'), first, 'served while the check runs')
  await cache.settled()
  t.equal((await cache.get('acme'))?.version, 2, 'the check found a new version: the next lookup reads it')
  t.same(builds, [1, 2])
  await store.deleteTenant('acme', auditFixture('test', 'acme'))
  advance(1000)
  cache.fresh('acme')
  await cache.settled()
  t.equal(await cache.get('acme'), undefined, 'a deletion whose notice was lost is seen the same way')
  t.teardown(() => cache.close())
})

t.test('while the store is down, entries are served stale up to STALE_MAX_MS, then the failure surfaces', async t => {
  const { store, cache, advance } = setup({ ttlMs: 100, staleMaxMs: 5000 })
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('test', 'acme'))
  const first = await cache.get('acme')
  store.down = true
  advance(1000)
  t.equal(await cache.get('acme'), first, 'served while the version check runs')
  await cache.settled()
  t.equal(cache.fresh('acme'), undefined, 'after a failed check the entry is no longer used without a store read')
  t.equal(await cache.get('acme'), first, 'stale but served')
  t.equal(cache.stats.stale, 1)
  advance(4500)
  await t.rejects(cache.get('acme'), { code: 'STORE_UNAVAILABLE' })
  await t.rejects(cache.get('never-cached'), { code: 'STORE_UNAVAILABLE' }, 'an uncached tenant is a store failure, not a 404')
  store.down = false
  t.equal((await cache.get('acme'))?.version, 1, 'back when the store is')
  t.equal(cache.fresh('acme')?.version, 1, 'and served without a store read again')
  t.teardown(() => cache.close())
})

t.test('a "*" notice (after a reconnect) re-reads every entry but keeps it for stale serving', async t => {
  const { store, cache } = setup()
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('test', 'acme'))
  const first = await cache.get('acme')
  cache.invalidate('*', 0)
  store.down = true
  t.equal(await cache.get('acme'), first)
  t.equal(store.reads, 2, 'it did try the store')
  t.teardown(() => cache.close())
})

t.test('the LRU is bounded', async t => {
  const { store, cache } = setup({ maxTenants: 2 })
  for (const id of ['t-a', 't-b', 't-c']) await store.createTenant(tenantFixture(id), undefined, auditFixture('test', id))
  for (const id of ['t-a', 't-b', 't-c']) await cache.get(id)
  t.equal(cache.cached().length, 2)
  t.same(cache.cached().map(r => r.id).sort(), ['t-b', 't-c'])
  t.teardown(() => cache.close())
})

t.test('eviction keeps the tenants in use: an entry used since it was added outlives one that was not', async t => {
  const { store, cache } = setup({ maxTenants: 2 })
  for (const id of ['t-a', 't-b', 't-c', 't-d']) await store.createTenant(tenantFixture(id), undefined, auditFixture('test', id))
  await cache.get('t-a')
  await cache.get('t-b')
  t.ok(cache.fresh('t-a'), 't-a is used again')
  await cache.get('t-c')
  t.same(cache.cached().map(r => r.id).sort(), ['t-a', 't-c'], 't-b, added and never used since, went first')
  t.ok(cache.fresh('t-c'))
  await cache.get('t-d')
  t.same(cache.cached().map(r => r.id).sort(), ['t-c', 't-d'], 't-a, not used since the last eviction passed it, went next')
  t.teardown(() => cache.close())
})

t.test('a tenant the store does not have is remembered as absent for under a second', async t => {
  const { store, cache, advance } = setup()
  t.teardown(() => cache.close())
  t.equal(await cache.get('ghost'), undefined)
  t.equal(await cache.get('ghost'), undefined)
  advance(ABSENT_TTL_MS - 1)
  t.equal(await cache.get('ghost'), undefined)
  t.equal(store.reads, 1, 'one store read for three lookups within the second')
  t.equal(cache.stats.absent, 2)
  advance(1)
  t.equal(await cache.get('ghost'), undefined)
  t.equal(store.reads, 2, 'read again once the second is over')
})

t.test('creating the tenant ends its absence at once, through the change notice', async t => {
  const { store, cache } = setup()
  t.teardown(() => cache.close())
  t.equal(await cache.get('ghost'), undefined)
  await store.createTenant(tenantFixture('ghost'), undefined, auditFixture('test', 'ghost'))
  t.equal((await cache.get('ghost'))?.id, 'ghost', 'found without waiting for the second to pass')
  t.equal(await cache.get('other'), undefined)
  cache.invalidate('*', 0)
  t.equal(await cache.get('other'), undefined)
  t.equal(store.reads, 4, 'a "*" notice (notices may have been missed) forgets every absence')
  t.equal(await cache.get('other'), undefined)
  cache.drop('other')
  t.equal(await cache.get('other'), undefined)
  t.equal(store.reads, 5, 'so does this instance changing the tenant itself')
})

t.test('absence is not remembered from a read a change notice overtook', async t => {
  const { store, cache } = setup()
  t.teardown(() => cache.close())
  const lookup = cache.get('ghost') // its store read is under way
  cache.invalidate('ghost', 1) // e.g. the tenant was created meanwhile
  t.equal(await lookup, undefined)
  t.equal(await cache.get('ghost'), undefined)
  t.equal(store.reads, 2, 'the next lookup reads the store again')
})

t.test('at most maxTenants absences are remembered, the oldest forgotten first', async t => {
  const { store, cache, advance } = setup({ maxTenants: 2 })
  t.teardown(() => cache.close())
  for (const id of ['g1', 'g2', 'g3']) {
    await cache.get(id)
    advance(1)
  }
  t.equal(store.reads, 3)
  await cache.get('g2')
  await cache.get('g3')
  t.equal(store.reads, 3, 'the two newest are remembered')
  await cache.get('g1')
  t.equal(store.reads, 4, 'the oldest was forgotten')
})
