// Test harness: throwaway redis-server processes (standalone or a three-master cluster) on free ports.
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import type { Test } from 'tap'

const run = promisify(execFile)

export const HOST = '127.0.0.1'
const START_TIMEOUT_MS = 10_000
const NOT_INSTALLED = 'redis-server is not on PATH: install it with `apt-get install redis-server` (or set REDIS_URL)'

export interface RedisHandle {
  url: string
  port: number
  /** SIGKILL; resolves when the process has exited. */
  kill: () => Promise<void>
  /** Starts it again on the same port; resolves when it answers PING. */
  restart: () => Promise<void>
  stop: () => Promise<void>
  /** SIGSTOP: the server keeps its connections open but stops answering. */
  freeze: () => void
  /** SIGCONT after freeze(). */
  thaw: () => void
}

/** A port nothing listens on now (and, for cluster nodes, whose bus port +10000 is free too). */
async function freePort (withBus = false): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindable(0)
    if (!withBus) return port
    if (port + 10000 <= 65535 && await bindable(port + 10000).then(() => true, () => false)) return port
  }
  throw new Error('no free port pair found for a cluster node')
}

async function bindable (port: number): Promise<number> {
  const server = createServer()
  server.listen(port, HOST)
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('unexpected server address')
  return address.port
}

export interface ServerOptions {
  /** Contents of a config file given before the other arguments (a sentinel needs one it can rewrite). */
  config?: string
  /** The log line that says it is ready (a sentinel logs "+monitor master", not "Ready to accept connections"). */
  readyLine?: string
}

/**
 * Spawns redis-server and resolves when it logs that it accepts connections (it logs to stdout);
 * rejects if it exits first (e.g. the port was taken meanwhile) or does not get ready in time.
 */
async function spawnServer (port: number, dir: string, extra: string[], options: ServerOptions = {}): Promise<ChildProcess> {
  const config = options.config === undefined ? [] : [join(dir, 'redis.conf')]
  const readyLine = options.readyLine ?? 'Ready to accept connections'
  const child = spawn('redis-server', [
    ...config, '--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, ...extra
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { fail(new Error(`redis-server on port ${port} did not get ready:\n${output}`)) }, START_TIMEOUT_MS)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes(readyLine)) done()
    }
    const onError = (err: NodeJS.ErrnoException): void => {
      fail(err.code === 'ENOENT' ? new Error(NOT_INSTALLED) : err)
    }
    const onExit = (): void => { fail(new Error(`redis-server on port ${port} exited:\n${output}`)) }
    const cleanup = (): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('error', onError)
      child.off('exit', onExit)
      child.stdout?.resume()
    }
    function done (): void { cleanup(); resolve() }
    function fail (err: Error): void {
      cleanup()
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      reject(err)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.on('error', onError)
    child.on('exit', onExit)
  })
  return child
}

export async function killProcess (child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
}

export interface Server {
  port: number
  child: ChildProcess
  dir: string
}

/** Starts a server on a free port, trying another port if the chosen one was taken in between. */
export async function startServer (extra: string[] = [], withBus = false, options: ServerOptions = {}): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'tokenmint-redis-'))
  if (options.config !== undefined) await writeFile(join(dir, 'redis.conf'), options.config)
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort(withBus)
    try {
      return { port, dir, child: await spawnServer(port, dir, extra, options) }
    } catch (err) {
      if (err instanceof Error && err.message === NOT_INSTALLED) {
        await rm(dir, { recursive: true, force: true })
        throw err
      }
      lastError = err
    }
  }
  await rm(dir, { recursive: true, force: true })
  throw lastError
}

/**
 * A redis-server of this test alone; killed in teardown even when the test fails.
 * `args` are extra redis-server arguments (e.g. ['--appendonly', 'yes']), kept by restart().
 */
export async function startRedis (t: Test, options: { args?: string[] } = {}): Promise<RedisHandle> {
  const args = options.args ?? []
  const server = await startServer(args)
  let child: ChildProcess | undefined = server.child
  let stopped = false
  const handle: RedisHandle = {
    url: `redis://${HOST}:${server.port}`,
    port: server.port,
    kill: async () => {
      await killProcess(child)
      child = undefined
    },
    restart: async () => {
      await killProcess(child)
      child = await spawnServer(server.port, server.dir, args)
    },
    freeze: () => { child?.kill('SIGSTOP') },
    thaw: () => { child?.kill('SIGCONT') },
    stop: async () => {
      if (stopped) return
      stopped = true
      await killProcess(child)
      child = undefined
      await rm(server.dir, { recursive: true, force: true })
    }
  }
  t.teardown(handle.stop)
  return handle
}

/** REDIS_URL when set (the caller isolates itself with uniquePrefix()), else a server of this test alone. */
export async function redisUrlFor (t: Test): Promise<string> {
  const url = process.env.REDIS_URL
  if (url !== undefined && url !== '') return url
  return (await startRedis(t)).url
}

/** A key prefix no other test run uses. */
export function uniquePrefix (): string {
  return `tmtest:${process.pid}:${randomBytes(4).toString('hex')}:`
}

export async function clusterState (port: number): Promise<string> {
  const client = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await client.connect()
    return await client.cluster('INFO') as string
  } catch {
    return ''
  } finally {
    client.disconnect()
  }
}

/**
 * Three masters (no replicas) joined with `redis-cli --cluster create`; resolves when every node
 * reports cluster_state:ok. Torn down with the test.
 */
export async function startRedisCluster (t: Test): Promise<{ nodes: Array<{ host: string, port: number }>, stop: () => Promise<void> }> {
  const servers: Server[] = []
  const stop = async (): Promise<void> => {
    const all = servers.splice(0)
    await Promise.all(all.map(async server => {
      await killProcess(server.child)
      await rm(server.dir, { recursive: true, force: true })
    }))
  }
  t.teardown(stop)
  for (let i = 0; i < 3; i++) {
    // One at a time: each picks its ports after the previous one holds its own.
    servers.push(await startServer(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000'], true))
  }
  const nodes = servers.map(server => ({ host: HOST, port: server.port }))
  await run('redis-cli', ['--cluster', 'create', ...nodes.map(node => `${node.host}:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'])
  // redis-cli returns once the slots are assigned; the nodes agree on the state a moment later.
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    const states = await Promise.all(nodes.map(async node => await clusterState(node.port)))
    if (states.every(info => info.includes('cluster_state:ok'))) break
    if (Date.now() > deadline) throw new Error(`the test cluster did not reach cluster_state:ok:\n${states.join('\n')}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return { nodes, stop }
}
