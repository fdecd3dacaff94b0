// The EventStore contract (outbox, webhooks, deliveries, key times), run by the store contract against both stores.
import type { Test } from 'tap'
import type { DeliveryRecord, WebhookRecord } from '../../src/store/event-store.js'
import { newEvent } from '../../src/webhooks/events.js'
import { apiKeyFixture, auditFixture, keyFixture, tenantFixture, type StoreFixture } from './store-contract.js'

const T0 = 1_700_000_000_000
const read = { consumer: 'a', now: T0, count: 100, claimIdleMs: 60_000 }

function webhookFixture (id: string, createdAt = T0): WebhookRecord {
  return { id, url: 'https://hooks.example.com/tm', events: ['*'], tenants: null, description: '', createdAt, updatedAt: createdAt, secret: { mk: 'mk-1', dk: 'dk', ct: `ct-${id}` } }
}

function deliveryFixture (webhookId: string, id: string, createdAt = T0): DeliveryRecord {
  return { id, webhookId, type: 'key.created', tenant: 'acme', body: '{"type":"key.created"}', status: 'pending', attempts: 0, lastStatus: null, lastError: null, createdAt, deliveredAt: null, nextAttemptAt: createdAt }
}

export function eventStoreContract (t: Test, makeStore: () => Promise<StoreFixture>): void {
  async function open (t: Test): Promise<StoreFixture> {
    const fixture = await makeStore()
    t.teardown(async () => { await fixture.store.close() })
    return fixture
  }

  t.test('outbox: every successful write appends its events in the same step, in order', async t => {
    const { store } = await open(t)
    const created = newEvent('tenant.created', 'acme', T0)
    const keyCreated = newEvent('key.created', 'acme', T0, { kid: 'k2' })
    const revoked = newEvent('key.revoked', 'acme', T0, { kid: 'k1' })
    const apiKey = newEvent('apikey.created', 'acme', T0, { apiKeyId: 'ak1' })
    const apiKeyDeleted = newEvent('apikey.deleted', 'acme', T0, { apiKeyId: 'ak1' })
    const updated = newEvent('tenant.updated', 'acme', T0)
    const deleted = newEvent('tenant.deleted', 'acme', T0)
    const v1 = await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'), [created])
    await store.appendKey('acme', keyFixture('k2'), auditFixture('key.generate', 'acme'), { events: [keyCreated] })
    await store.revokeKey('acme', 'k1', T0, auditFixture('key.revoke', 'acme'), [revoked])
    await store.putApiKey(apiKeyFixture('acme', 'ak1'), auditFixture('api-key.create', 'acme'), [apiKey])
    await store.deleteApiKey('acme', 'ak1', auditFixture('api-key.delete', 'acme'), [apiKeyDeleted])
    await store.updateTenant(tenantFixture('acme', 'Acme'), v1 + 4, auditFixture('tenant.update', 'acme'), [updated])
    await store.deleteTenant('acme', auditFixture('tenant.delete', 'acme'), [deleted])
    const entries = await store.eventStore.readOutbox(read)
    t.same(entries.map(entry => entry.event), [created, keyCreated, revoked, apiKey, apiKeyDeleted, updated, deleted])
    t.ok(entries.every(entry => entry.tenant === 'acme'))
  })

  t.test('outbox: a write that fails or changes nothing appends no event', async t => {
    const { store } = await open(t)
    await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
    const event = (type: 'tenant.created' | 'key.created' | 'key.revoked' | 'tenant.updated' | 'apikey.deleted' | 'tenant.deleted') => newEvent(type, 'acme', T0)
    await t.rejects(store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'), [event('tenant.created')]), { code: 'TENANT_EXISTS' })
    await t.rejects(store.appendKey('acme', keyFixture('k1'), auditFixture('key.generate', 'acme'), { events: [event('key.created')] }), { code: 'KID_EXISTS' })
    await t.rejects(store.revokeKey('acme', 'nope', T0, auditFixture('key.revoke', 'acme'), [event('key.revoked')]), { code: 'KEY_NOT_FOUND' })
    await t.rejects(store.updateTenant(tenantFixture('acme'), 999, auditFixture('tenant.update', 'acme'), [event('tenant.updated')]), { code: 'CONFLICT' })
    await t.rejects(store.deleteApiKey('acme', 'nope', auditFixture('api-key.delete', 'acme'), [event('apikey.deleted')]), { code: 'API_KEY_NOT_FOUND' })
    await t.rejects(store.deleteTenant('ghost', auditFixture('tenant.delete', 'ghost'), [newEvent('tenant.deleted', 'ghost', T0)]), { code: 'TENANT_NOT_FOUND' })
    await store.revokeKey('acme', 'k1', T0, auditFixture('key.revoke', 'acme'))
    t.equal(await store.revokeKey('acme', 'k1', T0 + 5, auditFixture('key.revoke', 'acme'), [event('key.revoked')]), T0, 'a second revocation changes nothing')
    const once = { once: 'rotation:1', events: [event('key.created')] }
    t.equal(await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'), once), true)
    t.equal(await store.appendKey('acme', keyFixture('k3'), auditFixture('key.rotate', 'acme'), { ...once, events: [event('key.created')] }), false)
    const entries = await store.eventStore.readOutbox(read)
    t.same(entries.map(entry => entry.event.id), [once.events[0].id], 'only the once-marked append that happened')
  })

  t.test('outbox: an entry read and not acknowledged is taken over by another consumer once idle; an acknowledged one is gone', async t => {
    const { store, peer } = await open(t)
    const other = peer === undefined ? store : await peer()
    t.teardown(async () => { if (other !== store) await other.close() })
    await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'), [newEvent('tenant.created', 'acme', T0)])
    await store.createTenant(tenantFixture('beta'), undefined, auditFixture('tenant.create', 'beta'), [newEvent('tenant.created', 'beta', T0)])
    const mine = await store.eventStore.readOutbox(read)
    t.equal(mine.length, 2)
    t.same(await other.eventStore.readOutbox({ ...read, consumer: 'b' }), [], 'held by a, not idle yet')
    await store.eventStore.ackOutbox(mine.filter(entry => entry.tenant === 'acme'))
    const taken = await other.eventStore.readOutbox({ ...read, consumer: 'b', now: T0 + 60_000, claimIdleMs: 0 })
    t.same(taken.map(entry => entry.tenant), ['beta'], 'the unacknowledged entry, with the same event')
    t.same(taken[0].event, mine.find(entry => entry.tenant === 'beta')?.event)
    await other.eventStore.ackOutbox(taken)
    t.same(await store.eventStore.readOutbox({ ...read, claimIdleMs: 0 }), [])
  })

  t.test('webhooks: create, read, update, list, delete, each with its audit entry and none for a write that fails', async t => {
    const { store } = await open(t)
    const events = store.eventStore
    const audit = (action: string, id: string, at: number) => auditFixture(action, '', at, id)
    await events.createWebhook(webhookFixture('wh1'), audit('webhook.create', 'wh1', T0))
    await events.createWebhook(webhookFixture('wh2', T0 + 1), audit('webhook.create', 'wh2', T0 + 1))
    await t.rejects(events.createWebhook(webhookFixture('wh1'), audit('webhook.create', 'wh1', T0 + 2)), { code: 'CONFLICT' })
    t.same(await events.getWebhook('wh1'), webhookFixture('wh1'))
    await events.updateWebhook({ ...webhookFixture('wh1'), url: 'https://other.example.com/' }, audit('webhook.update', 'wh1', T0 + 3))
    t.equal((await events.getWebhook('wh1'))?.url, 'https://other.example.com/')
    await t.rejects(events.updateWebhook(webhookFixture('nope'), audit('webhook.update', 'nope', T0 + 4)), { code: 'WEBHOOK_NOT_FOUND' })
    t.same((await events.listWebhooks()).map(w => w.id), ['wh1', 'wh2'])
    await events.enqueueDelivery(deliveryFixture('wh1', 'msg_1'), 86_400_000)
    await events.deleteWebhook('wh1', audit('webhook.delete', 'wh1', T0 + 5))
    await t.rejects(events.deleteWebhook('wh1', audit('webhook.delete', 'wh1', T0 + 6)), { code: 'WEBHOOK_NOT_FOUND' })
    t.equal(await events.getWebhook('wh1'), undefined)
    t.equal(await events.getDelivery('wh1', 'msg_1'), undefined, 'its deliveries went with it')
    const logged = (await store.listAudit({ tenant: '', limit: 10 })).items
    t.same(logged.map(entry => [entry.action, entry.kid, entry.at]), [
      ['webhook.delete', 'wh1', T0 + 5], ['webhook.update', 'wh1', T0 + 3], ['webhook.create', 'wh2', T0 + 1], ['webhook.create', 'wh1', T0]
    ], 'newest first, the failed writes absent')
  })

  t.test('deliveries: created once, claimed under a lease, finished by the claim holder only', async t => {
    const { store } = await open(t)
    const events = store.eventStore
    t.equal(await events.enqueueDelivery(deliveryFixture('wh1', 'msg_1'), 86_400_000), true)
    t.equal(await events.enqueueDelivery(deliveryFixture('wh1', 'msg_1'), 86_400_000), false, 'an event fanned out twice is one delivery')
    t.same(await events.claimDeliveries('wh1', T0 - 1, 1000, 10), [], 'not due yet')
    const [claimed] = await events.claimDeliveries('wh1', T0, 1000, 10)
    t.equal(claimed.attempts, 1)
    t.same(await events.claimDeliveries('wh1', T0 + 999, 1000, 10), [], 'leased')
    const [again] = await events.claimDeliveries('wh1', T0 + 1000, 1000, 10)
    t.equal(again.attempts, 2, 'past the lease anyone takes it again')
    t.equal(await events.finishAttempt({ ...claimed, status: 'delivered', lastStatus: 200 }), false, 'the first holder lost its claim')
    t.equal(await events.finishAttempt({ ...again, status: 'pending', lastStatus: 500, lastError: 'HTTP 500', nextAttemptAt: T0 + 5000 }), true)
    t.same(await events.claimDeliveries('wh1', T0 + 4999, 1000, 10), [])
    const [third] = await events.claimDeliveries('wh1', T0 + 5000, 1000, 10)
    t.equal(await events.finishAttempt({ ...third, status: 'failed', nextAttemptAt: null, lastError: 'HTTP 500' }), true)
    t.same(await events.claimDeliveries('wh1', T0 + 100_000, 1000, 10), [], 'a failed delivery is not attempted again')
    t.same(await events.pendingStats(['wh1']), { depth: 0, oldestCreatedAt: null })
    const retried = await events.retryDelivery('wh1', 'msg_1', T0 + 200_000)
    t.equal(retried.status, 'pending')
    t.same(await events.pendingStats(['wh1']), { depth: 1, oldestCreatedAt: T0 })
    await t.rejects(events.retryDelivery('wh1', 'msg_1', T0), { code: 'CONFLICT', message: 'only a failed delivery can be retried' }, 'only a failed delivery, said so (a script error reply carries its own message)')
    await t.rejects(events.retryDelivery('wh1', 'nope', T0), { code: 'DELIVERY_NOT_FOUND' })
    t.equal((await events.claimDeliveries('wh1', T0 + 200_000, 1000, 10))[0].attempts, 4)
  })

  t.test('deliveries: newest first, filtered by status, a cursor walks each once; old ones are trimmed', async t => {
    const { store } = await open(t)
    const events = store.eventStore
    for (let i = 0; i < 7; i++) await events.enqueueDelivery({ ...deliveryFixture('wh1', `msg_${i}`, T0 + Math.floor(i / 2)), status: i % 3 === 0 ? 'failed' : 'pending' }, 86_400_000)
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await events.listDeliveries('wh1', { limit: 2, cursor })
      seen.push(...page.items.map(item => item.id))
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    t.same(seen, ['msg_6', 'msg_5', 'msg_4', 'msg_3', 'msg_2', 'msg_1', 'msg_0'])
    t.same((await events.listDeliveries('wh1', { status: 'failed', limit: 10 })).items.map(item => item.id), ['msg_6', 'msg_3', 'msg_0'])
    await t.rejects(events.listDeliveries('wh1', { limit: 2, cursor: 'bogus' }), { code: 'VALIDATION_FAILED' })
    await events.enqueueDelivery(deliveryFixture('wh1', 'msg_late', T0 + 86_400_002), 86_400_000)
    t.same((await events.listDeliveries('wh1', { limit: 10 })).items.map(item => item.id), ['msg_late', 'msg_6', 'msg_5', 'msg_4'], 'older than the retention: gone')
  })

  t.test('time-driven events: a marker lets one of two instances emit a transition, once', async t => {
    const { store, peer } = await open(t)
    const other = peer === undefined ? store : await peer()
    t.teardown(async () => { if (other !== store) await other.close() })
    await store.eventStore.markKeyTimes('acme', T0 + 10)
    t.same(await store.eventStore.dueKeyTimes(T0 + 10, 10), [{ tenant: 'acme', dueAt: T0 + 10 }])
    t.same(await store.eventStore.dueKeyTimes(T0 + 9, 10), [], 'not due before its time')
    const activated = { marker: 'key.activated:k1', event: newEvent('key.activated', 'acme', T0 + 10, { kid: 'k1' }) }
    const published = { marker: 'key.published:k2', event: newEvent('key.published', 'acme', T0 + 10, { kid: 'k2' }) }
    const results = await Promise.all([
      store.eventStore.emitOnce('acme', [activated], 60_000),
      other.eventStore.emitOnce('acme', [activated, published], 60_000)
    ])
    t.equal(results[0] + results[1], 2, 'each transition emitted by one of them')
    t.same((await store.eventStore.readOutbox(read)).map(entry => entry.event.id).sort(), [activated.event.id, published.event.id].sort())
    t.equal(await store.eventStore.emitOnce('acme', [activated], 60_000), 0, 'never twice')
    await store.eventStore.markKeyTimes('acme', T0 + 5)
    await store.eventStore.rescheduleKeyTimes('acme', T0 + 10, T0 + 100)
    t.same(await store.eventStore.dueKeyTimes(T0 + 5, 10), [{ tenant: 'acme', dueAt: T0 + 5 }], 'marked again meanwhile: not moved')
    await store.eventStore.markKeyTimes('acme', T0 + 5)
    t.same(await store.eventStore.dueKeyTimes(T0 + 6, 10), [{ tenant: 'acme', dueAt: T0 + 6 }], 'a mark at the same time still changes the score')
    await store.eventStore.rescheduleKeyTimes('acme', T0 + 5, T0 + 100)
    t.same(await store.eventStore.dueKeyTimes(T0 + 6, 10), [{ tenant: 'acme', dueAt: T0 + 6 }], 'so a scan holding the former one cannot move it')
    await store.eventStore.rescheduleKeyTimes('acme', T0 + 6, null)
    t.same(await store.eventStore.dueKeyTimes(T0 + 1_000_000, 10), [])
  })

  t.test('a keyring write files its tenant in the key-time index', async t => {
    const { store } = await open(t)
    await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme', T0))
    t.same(await store.eventStore.dueKeyTimes(T0 + 1_000_000, 10), [], 'no key, nothing to scan')
    await store.appendKey('acme', keyFixture('k1'), auditFixture('key.generate', 'acme', T0 + 1))
    t.same(await store.eventStore.dueKeyTimes(T0 + 1_000_000, 10), [{ tenant: 'acme', dueAt: T0 + 1 }])
    await store.revokeKey('acme', 'k1', T0 + 2, auditFixture('key.revoke', 'acme', T0 + 2))
    t.same(await store.eventStore.dueKeyTimes(T0 + 1_000_000, 10), [{ tenant: 'acme', dueAt: T0 + 2 }])
  })
}
