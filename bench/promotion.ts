// Measures how long Redis takes to promote a replica after its primary is SIGKILLed: Sentinel and Cluster, several kills each (`npx tsx bench/promotion.ts [kills]`).
import { startClusterTopology, startSentinelTopology, type Teardown } from '../test/helpers/topology.js'

const kills = Number(process.argv[2] ?? 5)

/** Runs `fn` with a teardown hook that the script runs itself, whatever `fn` does. */
async function withTeardown<T> (fn: (t: Teardown) => Promise<T>): Promise<T> {
  const hooks: Array<() => unknown> = []
  try {
    return await fn({ teardown: hook => { hooks.push(hook) } })
  } finally {
    for (const hook of hooks.reverse()) await hook()
  }
}

function summary (label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)]
  return `${label}: median ${(median / 1000).toFixed(2)} s, min ${(sorted[0] / 1000).toFixed(2)} s, max ${(sorted[sorted.length - 1] / 1000).toFixed(2)} s (${ms.map(v => (v / 1000).toFixed(2)).join(', ')})`
}

const sentinel: number[] = []
const cluster: number[] = []
for (let i = 0; i < kills; i++) {
  sentinel.push(await withTeardown(async t => {
    const topology = await startSentinelTopology(t)
    const { killedAt, promotedAt } = await topology.failover(await topology.primary(), 30_000)
    return promotedAt - killedAt
  }))
  cluster.push(await withTeardown(async t => {
    const topology = await startClusterTopology(t, { secondReplicaFor: 'tm:tenants' })
    const { killedAt, promotedAt } = await topology.failover(await topology.masterOf('tm:tenants'), 30_000)
    return promotedAt - killedAt
  }))
  process.stdout.write(`kill ${i + 1}: sentinel ${(sentinel[i] / 1000).toFixed(2)} s, cluster ${(cluster[i] / 1000).toFixed(2)} s\n`)
}
process.stdout.write(`${summary('sentinel (down-after 1000 ms)', sentinel)}\n${summary('cluster (node-timeout 1000 ms)', cluster)}\n`)
