// The store through Redis Sentinel: the contract, then a SIGKILLed primary that both connections follow to the promoted replica.
import t from 'tap'
import { createRedisClient } from '../../../src/store/redis-client.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { uniquePrefix } from '../../helpers/redis-server.js'
import { auditFixture, changeNotice, keyFixture, storeContract, tenantFixture } from '../../helpers/store-contract.js'
import { startSentinelTopology } from '../../helpers/topology.js'

const topology = await startSentinelTopology(t)

function openStore (prefix = uniquePrefix()): RedisStore {
  const options = { sentinels: topology.sentinels, sentinelName: topology.name, commandTimeoutMs: 1000 }
  return new RedisStore({
    client: createRedisClient({ ...options, name: 'tm-test' }),
    subscriber: createRedisClient({ ...options, name: 'tm-test-sub' }),
    prefix
  })
}

storeContract(t, async () => {
  const store = openStore()
  await store.connected()
  return { store }
})

t.test('after the primary is killed, commands and change notices follow the promoted replica without a restart', async t => {
  const prefix = uniquePrefix()
  const writer = openStore(prefix)
  const listener = openStore(prefix)
  t.teardown(async () => { await Promise.all([writer.close(), listener.close()]) })
  await Promise.all([writer.connected(), listener.connected()])
  await writer.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))

  const old = await topology.primary()
  // '*' once the subscriber is back: the cache then re-reads every tenant it holds.
  const resubscribed = changeNotice(listener, tenantId => tenantId === '*')
  const { primary, promotedAt } = await topology.failover(old, 15_000)
  t.not(primary.port, old.port, 'a replica was promoted')
  await resubscribed
  t.pass('the subscriber told its listeners that changes may have been missed')

  // The writer's first commands may still find it reconnecting: a write is retried as a client would on 503.
  let version: number | undefined
  while (version === undefined) {
    version = await writer.updateTenant(tenantFixture('acme', 'renamed'), 1, auditFixture('tenant.update', 'acme')).catch(() => undefined)
  }
  const notice = changeNotice(listener, (tenantId, v) => tenantId === 'acme' && v === version + 1)
  await writer.revokeKey('acme', 'k1', 1_700_000_100_000, auditFixture('key.revoke', 'acme', undefined, 'k1'))
  t.same(await notice, ['acme', version + 1], 'a change after the failover is heard by the other store')
  t.ok(performance.now() - promotedAt < 5000, 'within 5 s of the promotion')
  t.equal((await listener.getSnapshot('acme'))?.tenant.name, 'renamed', 'what was written before and after is read from the new primary')
  t.equal(await writer.redis.call('ROLE').then(reply => (reply as string[])[0]), 'master')
})
