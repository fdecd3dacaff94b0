// Redis-only promises of the event store: the outbox lives in its tenant's slot, with its consumer group.
import t from 'tap'
import { createRedisClient } from '../../../src/store/redis-client.js'
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
