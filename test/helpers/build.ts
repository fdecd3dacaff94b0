// Test helper: builds an app on a MemoryStore or a real Redis (per-run key prefix) and closes it in teardown.
import type { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { loadConfig, type Config } from '../../src/config.js'
import { RedisStore } from '../../src/store/redis-store.js'
import type { Store } from '../../src/store/store.js'
import { REDACT, buildApp } from '../../plugins/app.js'
import { redisUrlFor, startRedis, uniquePrefix } from './redis-server.js'

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'
/** Fixed, so runs are alike; not one byte repeated, which the config refuses. */
export const MASTER_KEY = Buffer.from('tokenmint-test-master-key-32-by!').toString('base64')

type Test = Parameters<typeof redisUrlFor>[0]

/** A clock tests move by hand. */
export class FakeClock {
  constructor (public now = Date.UTC(2026, 0, 1)) {}
  readonly read = (): number => this.now
  advance (ms: number): number {
    this.now += ms
    return this.now
  }
}

export interface BuildOptions {
  /** 'memory' (default) or 'redis' (the harness's redis-server, or REDIS_URL). */
  store?: 'memory' | 'redis'
  /** Use this Redis URL (e.g. a handle the test can kill). */
  redisUrl?: string
  /** Use this Redis Cluster (REDIS_CLUSTER_NODES) instead of a standalone Redis. */
  clusterNodes?: Array<{ host: string, port: number }>
  /** Use these sentinels (REDIS_SENTINELS) instead of a standalone Redis. */
  sentinels?: Array<{ host: string, port: number }>
  /** Share the key prefix (several apps on one Redis). */
  prefix?: string
  /** Share one store object (several apps on one MemoryStore). */
  sharedStore?: Store
  clock?: FakeClock
  env?: Record<string, string>
  scheduler?: boolean
  /** Listen on a free loopback port (for clients that need a URL). */
  listen?: boolean
  /** Write the app's pino logs (level info, redacted as in production) to this stream instead of logging nothing. */
  logStream?: Writable
}

export interface TestApp {
  app: FastifyInstance
  config: Config
  url: string
  admin: (method: string, url: string, payload?: unknown) => Promise<{ statusCode: number, json: () => any, headers: Record<string, unknown>, body: string }>
}

export async function build (t: Test, options: BuildOptions = {}): Promise<TestApp> {
  const env: Record<string, string> = { ADMIN_TOKEN, MASTER_KEY, LOG_LEVEL: 'silent', PUBLIC_URL: 'http://127.0.0.1:0', ...options.env }
  if (options.clusterNodes !== undefined) {
    env.REDIS_CLUSTER_NODES = options.clusterNodes.map(node => `${node.host}:${node.port}`).join(',')
    env.REDIS_PREFIX = options.prefix ?? uniquePrefix()
  } else if (options.sentinels !== undefined) {
    env.REDIS_SENTINELS = options.sentinels.map(node => `${node.host}:${node.port}`).join(',')
    env.REDIS_PREFIX = options.prefix ?? uniquePrefix()
  } else if (options.store === 'redis' || options.redisUrl !== undefined) {
    env.REDIS_URL = options.redisUrl ?? await redisUrlFor(t)
    env.REDIS_PREFIX = options.prefix ?? uniquePrefix()
  }
  const config = loadConfig(env)
  const app = await buildApp({
    config,
    store: options.sharedStore,
    clock: options.clock?.read,
    logger: options.logStream === undefined ? false : { level: 'info', stream: options.logStream, redact: { paths: REDACT, censor: '[redacted]' } },
    scheduler: options.scheduler ?? false
  })
  t.teardown(async () => { await app.close() })
  let url = ''
  if (options.listen === true) {
    url = await app.listen({ port: 0, host: '127.0.0.1' })
    config.publicUrl = url
  } else {
    await app.ready()
  }
  const admin: TestApp['admin'] = async (method, path, payload) => {
    const res = await app.inject({
      method: method as 'GET',
      url: path,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      ...(payload === undefined ? {} : { payload: payload as object })
    })
    return { statusCode: res.statusCode, json: () => res.json(), headers: res.headers, body: res.body }
  }
  return { app, config, url, admin }
}

/** Resolves once the app's store answers (RedisStore: connected and subscribed). */
export async function storeReady (app: FastifyInstance): Promise<void> {
  const store = app.tokenmint.store
  if (store instanceof RedisStore) await store.connected()
  await store.ready()
}

/** The app's store, which must be a RedisStore: for tests that inspect its client or inject faults through it. */
export function redisStoreOf (app: FastifyInstance): RedisStore {
  const store = app.tokenmint.store
  if (!(store instanceof RedisStore)) throw new Error(`the app runs on the ${store.kind} store, not Redis`)
  return store
}

/** Two instances on one Redis of their own (shared key prefix), both connected and subscribed. */
export async function twoInstances (t: Test): Promise<{ a: TestApp, b: TestApp }> {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const a = await build(t, { redisUrl: redis.url, prefix })
  const b = await build(t, { redisUrl: redis.url, prefix })
  await storeReady(a.app)
  await storeReady(b.app)
  return { a, b }
}
