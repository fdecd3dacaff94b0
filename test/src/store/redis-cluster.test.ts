// Runs the store contract against a three-master Redis Cluster: every multi-key write must stay in one slot.
import t from 'tap'
import { createRedisClient } from '../../../src/store/redis-client.js'
import { RedisStore } from '../../../src/store/redis-store.js'
import { startRedisCluster, uniquePrefix } from '../../helpers/redis-server.js'
import { auditFixture, keyFixture, storeContract, tenantFixture } from '../../helpers/store-contract.js'

const cluster = await startRedisCluster(t)

async function connectedStore (prefix: string): Promise<RedisStore> {
  const options = { clusterNodes: cluster.nodes, commandTimeoutMs: 1000 }
  const store = new RedisStore({
    client: createRedisClient({ ...options, name: 'tm-test' }),
    subscriber: createRedisClient({ ...options, name: 'tm-test-sub' }),
    prefix
  })
  await store.connected()
  return store
}

async function makeStore (): Promise<{ store: RedisStore, peer: () => Promise<RedisStore> }> {
  const prefix = uniquePrefix()
  return { store: await connectedStore(prefix), peer: async () => await connectedStore(prefix) }
}

storeContract(t, makeStore)

t.test('tenants are spread over the masters and still listed and audited together', async t => {
  const { store } = await makeStore()
  t.teardown(async () => { await store.close() })
  const ids = Array.from({ length: 12 }, (_, i) => `tenant-${String(i).padStart(2, '0')}`)
  for (const id of ids) await store.createTenant(tenantFixture(id), keyFixture(`${id}-k1`), auditFixture('tenant.create', id))

  const slots = new Set(await Promise.all(ids.map(async id => await store.redis.cluster('KEYSLOT', `{t:${id}}`) as number)))
  t.ok(slots.size > 1, 'the tenants hash to more than one slot')

  const listed: string[] = []
  let cursor: string | undefined
  do {
    const page = await store.listTenants({ limit: 5, cursor })
    listed.push(...page.items.map(item => item.id))
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  t.same(listed, ids)
  t.equal((await store.listAudit({ limit: 100 })).items.length, ids.length, 'one audit entry per tenant, from every slot')
})
