// Cluster failover under load: a master with two replicas, holding the global keys and the tenants under load, is SIGKILLed with REDIS_MIN_REPLICAS=1.
import t from 'tap'
import { build, FakeClock } from '../../helpers/build.js'
import { uniquePrefix } from '../../helpers/redis-server.js'
import { startClusterTopology, type ClusterTopology, type RedisNode } from '../../helpers/topology.js'
import { failoverUnderLoad } from './failover-scenario.js'

const ANCHOR = 'tm-failover-anchor'

/** A key prefix whose global keys (tenant index, audit set, rotation due-index) all live on `master`. */
async function prefixOn (cluster: ClusterTopology, master: RedisNode): Promise<string> {
  for (;;) {
    const prefix = uniquePrefix()
    const owners = await Promise.all(['tenants', 'audit-tenants', 'rotation-due'].map(async name => await cluster.masterOf(`${prefix}${name}`)))
    if (owners.every(owner => owner.port === master.port)) return prefix
  }
}

/** The first id `${base}-N` whose tenant keys live on `master`. */
async function tenantOn (cluster: ClusterTopology, master: RedisNode, base: string): Promise<string> {
  for (let n = 0; ; n++) {
    if ((await cluster.masterOf(`{t:${base}-${n}}`)).port === master.port) return `${base}-${n}`
  }
}

t.test('a cluster failover loses no acknowledged write and keeps issuance answering', async t => {
  const cluster = await startClusterTopology(t, { secondReplicaFor: ANCHOR })
  const victim = await cluster.masterOf(ANCHOR)
  t.equal((await cluster.replicasOf(victim)).length, 2, 'the master to be killed has two replicas')
  const prefix = await prefixOn(cluster, victim)
  const ids = {
    hot: await tenantOn(cluster, victim, 'hot'),
    revocable: await tenantOn(cluster, victim, 'revocable'),
    periodic: await tenantOn(cluster, victim, 'periodic')
  }
  const clock = new FakeClock()
  await failoverUnderLoad(t, {
    build: async () => await build(t, { clusterNodes: cluster.seeds, prefix, clock, env: { REDIS_MIN_REPLICAS: '1' } }),
    clock,
    ids,
    failover: async () => await cluster.failover(victim, 15_000),
    replicasOf: cluster.replicasOf
  })
})
