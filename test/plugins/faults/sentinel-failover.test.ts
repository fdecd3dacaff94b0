// Sentinel failover under load: the primary of a primary, two replicas and three sentinels is SIGKILLed with REDIS_MIN_REPLICAS=1.
import t from 'tap'
import { build, FakeClock } from '../../helpers/build.js'
import { uniquePrefix } from '../../helpers/redis-server.js'
import { startSentinelTopology } from '../../helpers/topology.js'
import { failoverUnderLoad } from './failover-scenario.js'

t.test('a Sentinel failover loses no acknowledged write and keeps issuance answering', async t => {
  const topology = await startSentinelTopology(t)
  const prefix = uniquePrefix()
  const clock = new FakeClock()
  await failoverUnderLoad(t, {
    build: async () => await build(t, { sentinels: topology.sentinels, prefix, clock, env: { REDIS_MIN_REPLICAS: '1' } }),
    clock,
    ids: { hot: 'hot', revocable: 'revocable', periodic: 'periodic' },
    failover: async () => await topology.failover(await topology.primary(), 15_000),
    replicasOf: topology.replicasOf
  })
})
