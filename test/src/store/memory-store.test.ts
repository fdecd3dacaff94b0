// Runs the store contract against the in-process store, plus what only it has: an injectable clock.
import t from 'tap'
import { MemoryStore } from '../../../src/store/memory-store.js'
import { auditFixture, keyFixture, storeContract, tenantFixture } from '../../helpers/store-contract.js'

storeContract(t, async () => ({ store: new MemoryStore() }))

t.test('once-markers expire by the injected clock', async t => {
  let now = 1_000_000
  const store = new MemoryStore({ clock: () => now })
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  const options = { once: 'rotation:1', onceTtlMs: 1000 }
  t.equal(await store.appendKey('acme', keyFixture('k1'), auditFixture('key.rotate', 'acme'), options), true)
  now += 999
  t.equal(await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'), options), false, 'still claimed before the TTL ends')
  now += 1
  t.equal(await store.appendKey('acme', keyFixture('k3'), auditFixture('key.rotate', 'acme'), options), true, 'free again once the TTL ended')
  t.same((await store.getSnapshot('acme'))?.keys.map(key => key.kid), ['k1', 'k3'])
})

t.test('change listeners are called after the write, not inside it', async t => {
  const store = new MemoryStore()
  const heard: string[] = []
  store.onChange(tenantId => { heard.push(tenantId) })
  const writing = store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  t.same(heard, [], 'nothing heard synchronously')
  await writing
  await new Promise<void>(resolve => { queueMicrotask(resolve) })
  t.same(heard, ['acme'])
})
