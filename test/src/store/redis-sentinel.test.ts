// The store through Redis Sentinel: the contract, then a SIGKILLed primary and a manual failover that both connections follow to the promoted replica.
import { Redis } from 'ioredis'
import t from 'tap'
import { createRedisClient } from '../../../src/store/redis-client.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import type { ReplicationOptions } from '../../../src/store/replicated-write.js'
import { uniquePrefix } from '../../helpers/redis-server.js'
import { apiKeyFixture, auditFixture, changeNotice, keyFixture, storeContract, tenantFixture } from '../../helpers/store-contract.js'
import { startSentinelTopology } from '../../helpers/topology.js'

const topology = await startSentinelTopology(t)

function openStore (prefix = uniquePrefix(), replication?: ReplicationOptions): RedisStore {
  const options = { sentinels: topology.sentinels, sentinelName: topology.name, commandTimeoutMs: 1000 }
  return new RedisStore({
    client: createRedisClient({ ...options, name: 'tm-test' }),
    subscriber: createRedisClient({ ...options, name: 'tm-test-sub' }),
    prefix,
    replication
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
  const [everyTenant] = await resubscribed
  t.equal(everyTenant, '*', 'the subscriber told its listeners that changes may have been missed')

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

t.test('after a manual failover the clients leave the demoted primary, and no write a replica acknowledged is lost', async t => {
  const prefix = uniquePrefix()
  // Acknowledged only once a replica holds it: the demoted primary has none left, so what it takes is refused.
  const writer = openStore(prefix, { minReplicas: 1, timeoutMs: 500 })
  const listener = openStore(prefix)
  t.teardown(async () => { await Promise.all([writer.close(), listener.close()]) })
  await Promise.all([writer.connected(), listener.connected()])
  await writer.createTenant(tenantFixture('beta'), undefined, auditFixture('tenant.create', 'beta'))

  const { primary, promotedAt } = await topology.switchover(15_000)
  const port = async (store: RedisStore): Promise<number | undefined> =>
    await store.redis.call('INFO', 'server').then(info => Number(/tcp_port:(\d+)/.exec(info as string)?.[1]), () => undefined)
  // Writes go on one after another; a refused one waits a moment. The promoted primary has no replica until the
  // sentinels turn the demoted one into its replica (seconds later), so until then every write must be refused.
  const acknowledged: string[] = []
  let n = 0
  const write = async (): Promise<void> => {
    const id = `ak-${n++}`
    await writer.putApiKey(apiKeyFixture('beta', id), auditFixture('apikey.create', 'beta')).then(() => { acknowledged.push(id) }, async () => {
      await new Promise(resolve => setTimeout(resolve, 50))
    })
  }
  while (await port(writer) !== primary.port || await port(listener) !== primary.port) {
    if (performance.now() - promotedAt > 5000) break
    await write()
  }
  t.ok(performance.now() - promotedAt < 5000, `both stores are on the promoted primary within 5 s (${n} writes tried)`)
  const direct = new Redis({ host: primary.host, port: primary.port })
  t.teardown(() => { direct.disconnect() })
  const held = await direct.hkeys(`${prefix}{t:beta}:apikeys`)
  t.same(acknowledged.filter(id => !held.includes(id)), [], `the ${acknowledged.length} acknowledged writes are all on the promoted primary`)

  // The listener waits for no replica: its write is announced to the writer's subscriber.
  const notice = changeNotice(writer, tenantId => tenantId === 'beta')
  await listener.putApiKey(apiKeyFixture('beta', 'probe'), auditFixture('apikey.create', 'beta'))
  const [tenant, version] = await notice
  t.equal(tenant, 'beta', 'a change after the switch is heard by the other store')
  t.ok(Number.isInteger(version) && version > 1, `with the tenant's new version (${version})`)
})
