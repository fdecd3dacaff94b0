// The recorder: an explicit flush writes every fetch seen before it, also while another flush is under way.
import t from 'tap'
import { MemoryStore } from '../../../src/store/memory-store.js'
import { VerifierRecorder, verifierId } from '../../../src/verifiers/recorder.js'
import { tenantFixture, auditFixture } from '../../helpers/store-contract.js'

t.test('a flush called during another one writes what came in after the first one started', async t => {
  const store = new MemoryStore()
  t.teardown(async () => { await store.close() })
  await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
  const recorder = new VerifierRecorder({ store, clock: () => 1000, max: 10 })
  const document = { body: JSON.stringify({ keys: [{ kid: 'k1' }] }), etag: '"e"' }
  recorder.fetched('acme', '192.0.2.1', 'first', document)
  const first = recorder.flush()
  recorder.fetched('acme', '192.0.2.1', 'second')
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
  for (const agent of ['a', 'b', 'c', 'a']) recorder.fetched('acme', '192.0.2.1', agent)
  t.equal(recorder.dropped, 1)
  await recorder.stop()
  t.same((await store.getVerifiers('acme')).map(r => [r.userAgent, r.fetches]).sort(), [['a', 2], ['b', 1]], 'stop writes what is left')
})
