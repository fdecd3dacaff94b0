// Test harness: replicated Redis topologies (a primary with replicas under three sentinels; a cluster with replicas) on free ports, SIGKILL for faults.
import { rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { HOST, clusterState, killProcess, startServer, type Server, type ServerOptions } from './redis-server.js'

const run = promisify(execFile)

/** What the helpers need of a tap test: a teardown hook (a bench script can pass its own). */
export interface Teardown {
  teardown: (fn: () => unknown) => void
}

export interface HostPort {
  host: string
  port: number
}

/** One redis-server of a topology. */
export interface RedisNode extends HostPort {
  /** SIGKILL; resolves once the process has exited. */
  kill: () => Promise<void>
  alive: () => boolean
}

const START_TIMEOUT_MS = 15_000
const POLL_MS = 25
/** Replicas resynchronise at once after a failover instead of waiting for more replicas to join a diskless transfer. */
const DATA_NODE_ARGS = ['--repl-diskless-sync-delay', '0']

/**
 * Every process and temp dir a topology started, killed and removed together: in teardown, even when a test fails,
 * and when the test process exits without running its teardowns (a bail-out, an uncaught error).
 */
class Processes {
  private readonly servers: Server[] = []
  private readonly onExit = (): void => {
    for (const server of this.servers) {
      server.child.kill('SIGKILL')
      rmSync(server.dir, { recursive: true, force: true })
    }
  }

  constructor (t: Teardown) {
    t.teardown(async () => { await this.stop() })
    process.once('exit', this.onExit)
  }

  async start (extra: string[], withBus = false, options: ServerOptions = {}): Promise<RedisNode> {
    const server = await startServer(extra, withBus, options)
    this.servers.push(server)
    return {
      host: HOST,
      port: server.port,
      kill: async () => { await killProcess(server.child) },
      alive: () => server.child.exitCode === null && server.child.signalCode === null
    }
  }

  async stop (): Promise<void> {
    process.off('exit', this.onExit)
    const all = this.servers.splice(0)
    await Promise.all(all.map(async server => {
      await killProcess(server.child)
      await rm(server.dir, { recursive: true, force: true })
    }))
  }
}

/** A short-lived connection that never retries (the harness asks, it does not wait for a server to come back). */
async function ask<T> (node: HostPort, question: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: node.host, port: node.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000, commandTimeout: 2000 })
  client.on('error', () => {})
  try {
    await client.connect()
    return await question(client)
  } finally {
    client.disconnect()
  }
}

/** Polls `check` every few ms until it returns a value; rejects with `what` after `timeoutMs`. */
async function poll<T> (what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`)
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
}

/** ROLE's first word: 'master' or 'slave'. */
async function role (node: HostPort): Promise<string> {
  return await ask(node, async client => ((await client.call('ROLE')) as [string])[0])
}

/** Resolves once every replica of `primary` has its link up and has caught up with its offset. */
async function replicasInSync (primary: HostPort, replicas: HostPort[]): Promise<void> {
  await poll('replication', START_TIMEOUT_MS, async () => {
    const info = await ask(primary, async client => await client.info('replication'))
    const offset = Number(/master_repl_offset:(\d+)/.exec(info)?.[1])
    const lines = [...info.matchAll(/slave\d+:ip=[^,]+,port=(\d+),state=(\w+),offset=(\d+)/g)]
    const synced = replicas.every(replica => lines.some(([, port, state, at]) => Number(port) === replica.port && state === 'online' && Number(at) >= offset))
    return synced ? true : undefined
  })
}

export interface Failover {
  primary: RedisNode
  killedAt: number
  promotedAt: number
}

export interface SentinelTopology {
  /** The master name the sentinels monitor (REDIS_SENTINEL_NAME). */
  name: string
  sentinels: HostPort[]
  /** The data nodes; the first is the primary at start, the others replicate it. */
  nodes: RedisNode[]
  /** The node the sentinels name as primary now. */
  primary: () => Promise<RedisNode>
  /**
   * SIGKILLs `old` (the primary) and resolves once a sentinel announces the switch to another node
   * (`+switch-master`), with that node and the times of the kill and of the announcement (performance.now()).
   * Rejects after `timeoutMs`.
   */
  failover: (old: RedisNode, timeoutMs: number) => Promise<Failover>
  /** A manual failover (SENTINEL FAILOVER): the primary stays alive and is demoted; resolves as `failover` does. */
  switchover: (timeoutMs: number) => Promise<Failover>
  /** The live replicas of `primary`, with their links up. */
  replicasOf: (primary: HostPort) => Promise<RedisNode[]>
}

/**
 * A primary, `replicas` replicas (2 by default) and three sentinels with quorum 2, `down-after-milliseconds 1000` and
 * a small failover timeout. Resolves once every sentinel knows every replica and the other sentinels, so a kill is
 * noticed and acted on at once.
 */
export async function startSentinelTopology (t: Teardown, options: { replicas?: number, name?: string } = {}): Promise<SentinelTopology> {
  const name = options.name ?? 'mymaster'
  const processes = new Processes(t)
  const primary = await processes.start(DATA_NODE_ARGS)
  const nodes = [primary]
  for (let i = 0; i < (options.replicas ?? 2); i++) {
    nodes.push(await processes.start([...DATA_NODE_ARGS, '--replicaof', HOST, String(primary.port)]))
  }
  await replicasInSync(primary, nodes.slice(1))

  const config = [
    `sentinel monitor ${name} ${HOST} ${primary.port} 2`,
    `sentinel down-after-milliseconds ${name} 1000`,
    `sentinel failover-timeout ${name} 2000`,
    `sentinel parallel-syncs ${name} 2`,
    ''
  ].join('\n')
  const sentinels: RedisNode[] = []
  for (let i = 0; i < 3; i++) sentinels.push(await processes.start(['--sentinel'], false, { config, readyLine: '+monitor master' }))

  await Promise.all(sentinels.map(async sentinel => await poll('sentinel discovery', START_TIMEOUT_MS, async () => {
    const [replicas, peers] = await ask(sentinel, async client => await Promise.all([
      client.call('SENTINEL', 'REPLICAS', name) as Promise<unknown[]>,
      client.call('SENTINEL', 'SENTINELS', name) as Promise<unknown[]>
    ]))
    return replicas.length === nodes.length - 1 && peers.length === sentinels.length - 1 ? true : undefined
  })))

  const byPort = (port: number): RedisNode => {
    const node = nodes.find(candidate => candidate.port === port)
    if (node === undefined) throw new Error(`no node of this topology listens on ${port}`)
    return node
  }
  /** Runs `act` (a kill, a manual failover) and resolves once a sentinel announces the switch away from `old`. */
  const switched = async (old: RedisNode, timeoutMs: number, act: () => Promise<void>): Promise<Failover> => {
    const listeners = sentinels.filter(s => s.alive()).map(s => new Redis({ host: s.host, port: s.port, maxRetriesPerRequest: 0, retryStrategy: () => null }))
    let timer: NodeJS.Timeout | undefined
    try {
      const announced = new Promise<number>((resolve, reject) => {
        timer = setTimeout(() => { reject(new Error(`no sentinel promoted a replica within ${timeoutMs} ms`)) }, timeoutMs)
        for (const listener of listeners) {
          listener.on('error', () => {})
          listener.on('message', (_channel: string, message: string) => {
            // "<name> <old ip> <old port> <new ip> <new port>"
            const [master, , oldPort, , newPort] = message.split(' ')
            if (master === name && Number(oldPort) === old.port) resolve(Number(newPort))
          })
        }
      })
      await Promise.all(listeners.map(async listener => await listener.subscribe('+switch-master')))
      const killedAt = performance.now()
      await act()
      const port = await announced
      return { primary: byPort(port), killedAt, promotedAt: performance.now() }
    } finally {
      clearTimeout(timer)
      for (const listener of listeners) listener.disconnect()
    }
  }
  const named = async (): Promise<RedisNode> => {
    for (const sentinel of sentinels.filter(s => s.alive())) {
      const address = await ask(sentinel, async client => await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name) as [string, string] | null).catch(() => null)
      if (address !== null) return byPort(Number(address[1]))
    }
    throw new Error('no sentinel answers')
  }

  return {
    name,
    sentinels: sentinels.map(({ host, port }) => ({ host, port })),
    nodes,
    primary: named,
    failover: async (old, timeoutMs) => await switched(old, timeoutMs, old.kill),
    switchover: async (timeoutMs) => {
      const old = await named()
      const sentinel = sentinels.find(s => s.alive()) ?? sentinels[0]
      // Refused (INPROG, NOGOODSLAVE) while a previous failover is still being completed: asked again until accepted.
      return await switched(old, timeoutMs, async () => {
        await poll('a manual failover starting', timeoutMs, async () => await ask(sentinel, async client => await client.call('SENTINEL', 'FAILOVER', name)))
      })
    },
    replicasOf: async (current) => {
      const live = nodes.filter(node => node.alive() && node.port !== current.port)
      const attached: RedisNode[] = []
      for (const node of live) {
        const info = await ask(node, async client => await client.info('replication')).catch(() => '')
        if (info.includes(`master_port:${current.port}`) && info.includes('master_link_status:up')) attached.push(node)
      }
      return attached
    }
  }
}

export interface ClusterTopology {
  /** Seed nodes for REDIS_CLUSTER_NODES: every node at start. */
  seeds: HostPort[]
  nodes: RedisNode[]
  /** The master serving `key`'s slot now, as a live master sees it. */
  masterOf: (key: string) => Promise<RedisNode>
  /** The live replicas of `master`, links up. */
  replicasOf: (master: HostPort) => Promise<RedisNode[]>
  /**
   * SIGKILLs `old` (a master) and resolves once one of its replicas serves its slots as master and every live node
   * reports cluster_state:ok, with that node and the times of the kill and of the promotion (performance.now()).
   * Rejects after `timeoutMs`.
   */
  failover: (old: RedisNode, timeoutMs: number) => Promise<Failover>
}

/** One line of CLUSTER NODES: id, address, flags, master id, slots. */
interface NodeLine {
  id: string
  port: number
  flags: string[]
  masterId: string
  slots: string[]
}

function clusterNodes (text: string): NodeLine[] {
  return text.trim().split('\n').map(line => {
    const [id, address, flags, masterId, , , , , ...slots] = line.split(' ')
    return { id, port: Number(/:(\d+)@/.exec(address)?.[1]), flags: flags.split(','), masterId, slots }
  })
}

/**
 * Three masters with one replica each (`redis-cli --cluster create --cluster-replicas 1`), plus a second replica for
 * the master that serves `secondReplicaFor` (a key), so that master can be killed and its promoted replica still has
 * a replica of its own. `cluster-node-timeout` is 1000 ms. Resolves once every node reports cluster_state:ok and
 * every replica is in sync.
 */
export async function startClusterTopology (t: Teardown, options: { secondReplicaFor: string }): Promise<ClusterTopology> {
  const processes = new Processes(t)
  const args = [...DATA_NODE_ARGS, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000']
  const nodes: RedisNode[] = []
  // One at a time: each picks its ports after the previous one holds its own.
  for (let i = 0; i < 6; i++) nodes.push(await processes.start(args, true))
  await run('redis-cli', ['--cluster', 'create', ...nodes.map(node => `${node.host}:${node.port}`), '--cluster-replicas', '1', '--cluster-yes'])
  await allOk(nodes)

  const byPort = (port: number): RedisNode => {
    const node = nodes.find(candidate => candidate.port === port)
    if (node === undefined) throw new Error(`no node of this topology listens on ${port}`)
    return node
  }
  const view = async (): Promise<NodeLine[]> => {
    for (const node of nodes.filter(n => n.alive())) {
      const text = await ask(node, async client => await client.cluster('NODES') as string).catch(() => undefined)
      if (text !== undefined) return clusterNodes(text)
    }
    throw new Error('no cluster node answers')
  }
  const masterOf = async (key: string): Promise<RedisNode> => {
    const live = nodes.find(n => n.alive())
    if (live === undefined) throw new Error('no cluster node is alive')
    const slot = await ask(live, async client => await client.cluster('KEYSLOT', key) as number)
    const lines = await view()
    const owner = lines.find(line => line.flags.includes('master') && !line.flags.includes('fail') && line.slots.some(range => {
      const [from, to] = range.split('-').map(Number)
      return slot >= from && slot <= (to ?? from)
    }))
    if (owner === undefined) throw new Error(`no master serves slot ${slot}`)
    return byPort(owner.port)
  }
  const replicasOf = async (master: HostPort): Promise<RedisNode[]> => {
    const lines = await view()
    const id = lines.find(line => line.port === master.port)?.id
    const attached: RedisNode[] = []
    for (const line of lines.filter(l => l.masterId === id && !l.flags.includes('fail'))) {
      const node = byPort(line.port)
      if (!node.alive()) continue
      const info = await ask(node, async client => await client.info('replication')).catch(() => '')
      if (info.includes('master_link_status:up')) attached.push(node)
    }
    return attached
  }

  const target = await masterOf(options.secondReplicaFor)
  const targetId = (await view()).find(line => line.port === target.port)?.id ?? ''
  const extra = await processes.start(args, true)
  await run('redis-cli', ['--cluster', 'add-node', `${extra.host}:${extra.port}`, `${target.host}:${target.port}`, '--cluster-slave', '--cluster-master-id', targetId])
  nodes.push(extra)
  await poll('the second replica joining', START_TIMEOUT_MS, async () => (await replicasOf(target)).length === 2 ? true : undefined)
  await allOk(nodes)
  for (const line of (await view()).filter(l => l.flags.includes('master'))) {
    await replicasInSync(byPort(line.port), await replicasOf(byPort(line.port)))
  }

  return {
    seeds: nodes.map(({ host, port }) => ({ host, port })),
    nodes,
    masterOf,
    replicasOf,
    failover: async (old, timeoutMs) => {
      const before = await view()
      const oldId = before.find(line => line.port === old.port)?.id
      const replicas = new Set(before.filter(line => line.masterId === oldId).map(line => line.port))
      const killedAt = performance.now()
      await old.kill()
      const port = await poll('a cluster failover', timeoutMs, async () => {
        const promoted = (await view()).find(line => replicas.has(line.port) && line.flags.includes('master') && line.slots.length > 0)
        if (promoted === undefined) return undefined
        return await role(byPort(promoted.port)) === 'master' ? promoted.port : undefined
      })
      const promotedAt = performance.now()
      await allOk(nodes.filter(node => node.alive()))
      return { primary: byPort(port), killedAt, promotedAt }
    }
  }
}

/** Resolves once every node in `nodes` reports cluster_state:ok and agrees on every slot being served. */
async function allOk (nodes: RedisNode[]): Promise<void> {
  await poll('cluster_state:ok on every node', START_TIMEOUT_MS, async () => {
    const states = await Promise.all(nodes.map(async node => await clusterState(node.port)))
    return states.every(info => info.includes('cluster_state:ok')) ? true : undefined
  })
}
