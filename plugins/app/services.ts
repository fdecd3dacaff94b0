// Decorates the app with the core services (the store and metrics it is given; cache, admin, scheduler built from the config), and closes them.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Registry } from 'prom-client'
import { Authenticator } from '../../src/access/authenticator.js'
import { CredentialService } from '../../src/access/credential-service.js'
import { SessionService } from '../../src/access/session-service.js'
import { AdminService } from '../../src/admin-service.js'
import { TenantCache } from '../../src/cache/tenant-cache.js'
import type { Config } from '../../src/config.js'
import { createSealer } from '../../src/crypto/envelope.js'
import { KeygenPool } from '../../src/keys/keygen-pool.js'
import { RotationScheduler } from '../../src/rotation-scheduler.js'
import type { Store } from '../../src/store/store.js'
import { TenantRuntime } from '../../src/tenant-runtime.js'
import type { Clock } from '../../src/types.js'
import type { DeclaredAction } from '../routes/admin/guard.js'

/** Store calls timed for metrics; 'ping' is the store.ready() round trip made at each scrape. */
export const STORE_OPERATIONS = ['getSnapshot', 'getVersion', 'ping'] as const
export type StoreOperation = typeof STORE_OPERATIONS[number]

/** Counters the services and routes report to (built by createMetrics in metrics.ts, before the services). */
export interface Metrics {
  /** The app's own registry, which GET /metrics serves. */
  readonly registry: Registry
  rateLimited: (tenant: string) => void
  rateLimiterErrors: () => void
  tokenIssued: (tenant: string, profile: string, alg: string) => void
  /** A new key version was scheduled: by the admin rotate route ('manual') or the rotation scheduler ('scheduled'). */
  keyRotated: (trigger: 'manual' | 'scheduled') => void
  /** A store read took `ms` and failed or not. */
  storeCall: (operation: StoreOperation, ms: number, failed: boolean) => void
}

export interface Services {
  metrics: Metrics
  config: Config
  store: Store
  cache: TenantCache<TenantRuntime>
  admin: AdminService
  keygen: KeygenPool
  scheduler: RotationScheduler
  clock: Clock
  /** Who an admin credential stands for (ADMIN_TOKEN, scoped credentials, sessions). */
  authenticator: Authenticator
  credentials: CredentialService
  sessions: SessionService
  /** Every admin route with the action it declares, as registered (the permission tests enumerate them). */
  adminRoutes: Array<{ method: string, url: string, action: DeclaredAction }>
}

declare module 'fastify' {
  interface FastifyInstance {
    tokenmint: Services
  }
}

export interface ServicesOptions {
  config: Config
  store: Store
  metrics: Metrics
  clock: Clock
  /** Whether to start the periodic-rotation ticker (tests drive tick() themselves). */
  scheduler: boolean
}

export default fp(async function services (app: FastifyInstance, options: ServicesOptions) {
  const { config, store, metrics, clock } = options
  const sealer = createSealer(config.masterKey, config.previousMasterKeys)
  const cache = new TenantCache(store, snapshot => new TenantRuntime(snapshot, {
    sealer,
    jwksMaxAge: config.jwksMaxAge,
    publicUrl: config.publicUrl
  }), {
    maxTenants: config.cacheMaxTenants,
    ttlMs: config.cacheTtlMs,
    staleMaxMs: config.staleMaxMs,
    clock,
    onStoreRead: (ms, failed) => metrics.storeCall('getSnapshot', ms, failed),
    onVersionCheck: (ms, failed) => metrics.storeCall('getVersion', ms, failed)
  })
  const keygen = new KeygenPool(config.keygenConcurrency)
  const admin = new AdminService({
    store,
    sealer,
    config,
    clock,
    keygen,
    warn: (message, fields) => app.log.warn(fields, message)
  })
  const scheduler = new RotationScheduler({
    store,
    admin,
    clock,
    tickMs: config.rotationTickMs,
    onError: (err, tenant) => app.log.warn({ err, tenant }, 'periodic rotation step failed'),
    onRotated: tenant => {
      app.log.info({ tenant }, 'periodic rotation created a new key version')
      metrics.keyRotated('scheduled')
    }
  })
  const authenticator = new Authenticator({
    store,
    adminToken: config.adminToken,
    clock,
    ttlMs: config.cacheTtlMs,
    onTouchError: err => app.log.warn({ err }, 'recording the last use of a credential failed')
  })
  const credentials = new CredentialService(store, clock)
  const sessions = new SessionService(store, sealer, clock, config.sessionTtl, config.adminToken)
  app.decorate('tokenmint', { config, store, metrics, cache, admin, keygen, scheduler, clock, authenticator, credentials, sessions, adminRoutes: [] })
  if (options.scheduler) app.addHook('onReady', async () => scheduler.start())
  app.addHook('onClose', async () => {
    await scheduler.stop()
    await keygen.close()
    cache.close()
    authenticator.close()
    await store.close()
  })
}, { name: 'services' })
