// The Store contract for verifier records, gated activations and the gate's due index, run by storeContract against both stores.
import type { Test } from 'tap'
import type { Store } from '../../src/store/store.js'
import type { StoreFixture } from './store-contract.js'
import type { VerifierFetch } from '../../src/types.js'
import { auditFixture, keyFixture, tenantFixture } from './store-contract.js'

const T0 = 1_700_000_000_000

function fetchFixture (tenant: string, id: string, at: number, extra: Partial<VerifierFetch> = {}): VerifierFetch {
  return { tenant, id, ip: '192.0.2.1', userAgent: `agent ${id}`, firstSeen: at, lastSeen: at, fetches: 1, ...extra }
}

export function verifierStoreContract (t: Test, makeStore: () => Promise<StoreFixture>): void {
  async function open (t: Test): Promise<Store> {
    const { store } = await openPair(t)
    return store
  }
  /** A store and a second one on the same data (itself for a store without peers). */
  async function openPair (t: Test): Promise<{ store: Store, other: Store }> {
    const { store, peer } = await makeStore()
    const other = peer === undefined ? store : await peer()
    t.teardown(async () => { await Promise.all([store.close(), other.close()]) })
    return { store, other }
  }

  t.test('recordVerifiers merges fetches of several instances and getVerifiers reads them back', async t => {
    const { store, other } = await openPair(t)
    await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
    await store.createTenant(tenantFixture('beta'), undefined, auditFixture('tenant.create', 'beta'))
    const counts = await store.recordVerifiers([
      fetchFixture('acme', 'aaaaaaaaaaaaaaaa', T0 + 10, { fetches: 3, firstSeen: T0, kids: ['k1'], kidsAt: T0 + 10 }),
      fetchFixture('beta', 'bbbbbbbbbbbbbbbb', T0 + 5),
      fetchFixture('ghost', 'cccccccccccccccc', T0)
    ], 10)
    t.same([...counts].sort(), [['acme', 1], ['beta', 1]], 'each written tenant with its count; an unknown tenant is skipped')
    // The other instance saw the same verifier: an earlier first fetch, a later discovery fetch, an older JWKS.
    await other.recordVerifiers([fetchFixture('acme', 'aaaaaaaaaaaaaaaa', T0 + 20, { firstSeen: T0 - 5, fetches: 2, kids: ['k0'], kidsAt: T0 + 1 })], 10)
    const [record] = await store.getVerifiers('acme')
    t.same(record, {
      id: 'aaaaaaaaaaaaaaaa', ip: '192.0.2.1', userAgent: 'agent aaaaaaaaaaaaaaaa', firstSeen: T0 - 5, lastSeen: T0 + 20, fetches: 5, kids: ['k1'], kidsAt: T0 + 10
    }, 'fetches add up, times widen, the kids of the latest JWKS stay')
    await other.recordVerifiers([fetchFixture('acme', 'aaaaaaaaaaaaaaaa', T0 + 30, { kids: [], kidsAt: T0 + 30 })], 10)
    t.same((await store.getVerifiers('acme'))[0].kids, [], 'a later JWKS without keys replaces them')
    t.same((await store.getVerifiers('beta'))[0].kids, [], 'a discovery-only verifier holds no kids')
    t.same(await store.getVerifiers('ghost'), [])
  })

  t.test('recordVerifiers keeps at most max per tenant, the least recently seen dropped first', async t => {
    const store = await open(t)
    await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
    const ids = ['0000000000000001', '0000000000000002', '0000000000000003', '0000000000000004']
    await store.recordVerifiers(ids.slice(0, 3).map((id, i) => fetchFixture('acme', id, T0 + i)), 3)
    await store.recordVerifiers([fetchFixture('acme', ids[0], T0 + 100)], 3)
    const counts = await store.recordVerifiers([fetchFixture('acme', ids[3], T0 + 50)], 3)
    t.equal(counts.get('acme'), 3)
    t.same((await store.getVerifiers('acme')).map(v => v.id).sort(), [ids[0], ids[2], ids[3]], 'the one seen longest ago is gone')
    await store.deleteTenant('acme', auditFixture('tenant.delete', 'acme'))
    t.same(await store.getVerifiers('acme'), [], 'deleting the tenant forgets its verifiers')
  })

  t.test('moveActivation is a compare-and-set on activateAt, audited, bumping the version', async t => {
    const store = await open(t)
    const key = { ...keyFixture('k2', T0), activateAt: T0 + 10_000, activateBy: T0 + 60_000 }
    await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
    await store.appendKey('acme', key, auditFixture('key.rotate', 'acme', T0, 'k2'))
    const before = (await store.getSnapshot('acme'))?.version ?? 0
    t.equal(await store.moveActivation('acme', { kid: 'k2', expectedActivateAt: T0 + 10_000, activateAt: T0 + 60_000 }, auditFixture('key.postpone', 'acme', T0 + 1, 'k2')), true)
    t.equal(await store.moveActivation('acme', { kid: 'k2', expectedActivateAt: T0 + 10_000, activateAt: T0 + 60_000 }, auditFixture('key.postpone', 'acme', T0 + 2, 'k2')), false, 'a second instance with the old view writes nothing')
    let snapshot = await store.getSnapshot('acme')
    const moved = snapshot?.keys.find(k => k.kid === 'k2')
    t.same({ activateAt: moved?.activateAt, activateBy: moved?.activateBy, gateSettledAt: moved?.gateSettledAt }, { activateAt: T0 + 60_000, activateBy: T0 + 60_000, gateSettledAt: undefined })
    t.equal(snapshot?.version, before + 1, 'one version bump')
    t.same(snapshot?.keys.map(k => k.kid), ['k1', 'k2'], 'the keyring keeps its order')
    t.equal(await store.moveActivation('acme', { kid: 'k2', expectedActivateAt: T0 + 60_000, activateAt: T0 + 20_000, settledAt: T0 + 20_000 }, auditFixture('key.activate', 'acme', T0 + 3, 'k2')), true)
    snapshot = await store.getSnapshot('acme')
    t.match(snapshot?.keys.find(k => k.kid === 'k2'), { activateAt: T0 + 20_000, gateSettledAt: T0 + 20_000, activateBy: T0 + 60_000 }, 'released and settled')
    t.equal(await store.moveActivation('acme', { kid: 'k2', expectedActivateAt: T0 + 20_000, activateAt: T0 + 30_000 }, auditFixture('key.postpone', 'acme', T0 + 4, 'k2')), false, 'a settled key is not moved again')
    await t.rejects(store.moveActivation('acme', { kid: 'nope', expectedActivateAt: 0, activateAt: 0 }, auditFixture('key.postpone', 'acme')), { code: 'KEY_NOT_FOUND' })
    const actions = (await store.listAudit({ tenant: 'acme', limit: 10 })).items.map(entry => entry.action)
    t.same(actions.slice(0, 2), ['key.activate', 'key.postpone'], 'each move has its one audit entry')
  })

  t.test('activation gate due index', async t => {
    const store = await open(t)
    await store.setGateDue('a', T0 + 1000)
    await store.setGateDue('b', T0 + 2000)
    t.same(await store.listDueGates(T0 + 1500, 10), ['a'])
    await store.setGateDue('a', null)
    t.same(await store.listDueGates(T0 + 5000, 10), ['b'], 'null clears')
    t.same(await store.listDueRotations(T0 + 5000, 10), [], 'apart from the rotation index')
  })
}
