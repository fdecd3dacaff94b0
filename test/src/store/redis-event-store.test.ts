// Redis-only promises of the event store: the outbox lives in its tenant's slot, with its consumer group.
import t from 'tap'
import { createRedisClient } from '../../../src/store/redis-client.js'
import { OUTBOX_READ_TENANTS } from '../../../src/store/redis-event-store.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { newEvent } from '../../../src/webhooks/events.js'
import { redisUrlFor, uniquePrefix } from '../../helpers/redis-server.js'
import { auditFixture, keyFixture, tenantFixture } from '../../helpers/store-contract.js'

const url = await redisUrlFor(t)

t.test('an outbox stream carries its tenant hash tag and is created with the delivery group', async t => {
  const prefix = uniquePrefix()
  const store = new RedisStore({
    client: createRedisClient({ url, commandTimeoutMs: 1000, name: 'tm-test' }),
    subscriber: createRedisClient({ url, commandTimeoutMs: 1000, name: 'tm-test-sub' }),
    prefix
  })
  t.teardown(async () => { await store.close() })
  await store.connected()
  await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'), [newEvent('tenant.created', 'acme', 1)])
  const key = `${prefix}{t:acme}:outbox`
  t.equal(await store.redis.xlen(key), 1, 'in the tenant slot, beside its records')
  const groups = await store.redis.xinfo('GROUPS', key) as unknown[][]
  t.equal(groups[0][1], 'deliver')
  const fields = (await store.redis.xrange(key, '-', '+'))[0][1]
  t.notMatch(fields[1], /sealed-material/, 'the event never carries material')
  t.equal(await store.redis.zscore(`${prefix}outbox-tenants`, 'acme'), String(1_700_000_000_000), 'indexed at the write')
})

t.test('an outbox found empty leaves the index with its stream; a later write indexes and creates both again', async t => {
  const prefix = uniquePrefix()
  const store = new RedisStore({
    client: createRedisClient({ url, commandTimeoutMs: 1000, name: 'tm-test' }),
    subscriber: createRedisClient({ url, commandTimeoutMs: 1000, name: 'tm-test-sub' }),
    prefix
  })
  t.teardown(async () => { await store.close() })
  await store.connected()
  const read = { consumer: 'a', now: 1_700_000_000_000, count: 10, claimIdleMs: 10_000 }
  const index = `${prefix}outbox-tenants`
  const key = `${prefix}{t:acme}:outbox`
  await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'), [newEvent('tenant.created', 'acme', 1)])
  const first = await store.eventStore.readOutbox(read)
  t.equal(first.length, 1)
  t.equal(await store.redis.zscore(index, 'acme'), String(1_700_000_000_000), 'read but not acknowledged: still indexed')
  t.same(await store.eventStore.readOutbox(read), [], 'held by this consumer, nothing new')
  t.equal(await store.redis.xlen(key), 1, 'an unacknowledged entry keeps the outbox')
  t.equal(await store.redis.zscore(index, 'acme'), String(1_700_000_000_000), 'and its index entry')
  await store.eventStore.ackOutbox(first)
  t.same(await store.eventStore.readOutbox(read), [])
  t.equal(await store.redis.zscore(index, 'acme'), null, 'empty: out of the index')
  t.equal(await store.redis.exists(key), 0, 'and the stream is gone')
  const updated = newEvent('tenant.updated', 'acme', 2)
  await store.updateTenant(tenantFixture('acme', 'Acme'), 1, auditFixture('tenant.update', 'acme'), [updated])
  t.equal(await store.redis.zscore(index, 'acme'), String(1_700_000_000_000), 'indexed again by the write')
  t.same((await store.eventStore.readOutbox(read)).map(entry => entry.event.id), [updated.id], 'read through the group the write created')
})

t.test('a read looks at a bounded batch of outboxes and goes on from there', async t => {
  const prefix = uniquePrefix()
  const store = new RedisStore({
    client: createRedisClient({ url, commandTimeoutMs: 1000, name: 'tm-test' }),
    subscriber: createRedisClient({ url, commandTimeoutMs: 1000, name: 'tm-test-sub' }),
    prefix
  })
  t.teardown(async () => { await store.close() })
  await store.connected()
  const read = { consumer: 'a', now: 1_700_000_000_000, count: 10, claimIdleMs: 10_000 }
  const tenants = Array.from({ length: OUTBOX_READ_TENANTS + 50 }, (_, i) => `t${String(i).padStart(3, '0')}`)
  for (const id of tenants) await store.createTenant(tenantFixture(id), undefined, auditFixture('tenant.create', id), [newEvent('tenant.created', id, 1)])
  const first = await store.eventStore.readOutbox(read)
  t.equal(first.length, OUTBOX_READ_TENANTS, 'one batch')
  await store.eventStore.ackOutbox(first)
  const second = await store.eventStore.readOutbox(read)
  t.equal(second.length, 50, 'the rest, not the first batch again')
  t.same(new Set([...first, ...second].map(entry => entry.tenant)), new Set(tenants), 'every outbox read once')
  await store.eventStore.ackOutbox(second)
  t.same(await store.eventStore.readOutbox(read), [])
  t.same(await store.eventStore.readOutbox(read), [])
  t.equal(await store.redis.zcard(`${prefix}outbox-tenants`), 0, 'every drained outbox left the index')
})
