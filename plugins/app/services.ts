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
import { WebhookService } from '../../src/webhook-service.js'
import { DeliveryWorker, type DeliveryResult } from '../../src/webhooks/delivery-worker.js'
import { KeyEventScanner } from '../../src/webhooks/key-event-scanner.js'
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Clock } from '../../src/types.js'
import { ActivationGate } from '../../src/verifiers/activation-gate.js'
import { VerifierRecorder } from '../../src/verifiers/recorder.js'
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
  /** A verifier flush wrote these tenants' verifier counts. */
  verifiersKept: (counts: Map<string, number>) => void
  /** A verifier flush failed (its fetches were dropped). */
  verifierFlushFailed: () => void
  /** The activation gate held a key past its activation time. */
  activationPostponed: () => void
  /** A webhook delivery attempt ended. */
  webhookDelivery: (result: DeliveryResult) => void
}

export interface Services {
  metrics: Metrics
  config: Config
  store: Store
  cache: TenantCache<TenantRuntime>
  admin: AdminService
  keygen: KeygenPool
  scheduler: RotationScheduler
  /** Records JWKS and discovery fetches (the request path only touches its memory). */
  verifiers: VerifierRecorder
  /** Postpones and releases propagation-gated activations. */
  gate: ActivationGate
  clock: Clock
  webhooks: WebhookService
  /** Delivers webhook events; runs on every instance from onReady to onClose. */
  deliveries: DeliveryWorker
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
  const verifiers = new VerifierRecorder({
    store,
    clock,
    max: config.verifiersMax,
    onFlushed: counts => metrics.verifiersKept(counts),
    onFlushError: (err, fetches) => {
      metrics.verifierFlushFailed()
      app.log.warn({ err, fetches }, 'recording verifier fetches failed; they are kept in memory and written with the next flush')
    }
  })
  const gate = new ActivationGate({
    store,
    clock,
    windowMs: config.verifierWindow * 1000,
    onError: (err, tenant) => app.log.warn({ err, tenant }, 'activation gate step failed'),
    onPostponed: (tenant, kid, activateBy) => {
      app.log.info({ tenant, kid, activateBy: new Date(activateBy).toISOString() }, 'key activation postponed: a verifier lacks the key')
      metrics.activationPostponed()
    },
    onReleased: (tenant, kid) => app.log.info({ tenant, kid }, 'postponed key activated: every verifier has it')
  })
  const policy = { allowHttp: config.webhookAllowHttp, allowPrivate: config.webhookAllowPrivate }
  const webhooks = new WebhookService({ events: store.eventStore, sealer, clock, policy, appendAudit: async entry => await store.appendAudit(entry) })
  const deliveries = new DeliveryWorker({
    events: store.eventStore,
    webhooks,
    scanner: new KeyEventScanner({ store, clock, jwksMaxAge: config.jwksMaxAge }),
    clock,
    consumer: `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
    policy,
    timeoutMs: config.webhookTimeoutMs,
    retrySchedule: config.webhookRetrySchedule,
    onResult: (result, delivery) => {
      metrics.webhookDelivery(result)
      if (result !== 'delivered') app.log.warn({ webhook: delivery.webhookId, delivery: delivery.id, attempts: delivery.attempts, error: delivery.lastError }, `webhook delivery ${result}`)
    },
    onError: err => app.log.warn({ err }, 'webhook delivery step failed')
  })
  store.onChange(() => { deliveries.wake() })
  if (config.webhookAllowHttp) app.log.warn('WEBHOOK_ALLOW_HTTP=true: webhooks may use plain http, so their events and signatures travel unencrypted')
  if (config.webhookAllowPrivate) app.log.warn('WEBHOOK_ALLOW_PRIVATE=true: webhooks may point at loopback, private and link-local addresses')
  const authenticator = new Authenticator({
    store,
    adminToken: config.adminToken,
    clock,
    ttlMs: config.cacheTtlMs,
    onTouchError: err => app.log.warn({ err }, 'recording the last use of a credential failed')
  })
  const credentials = new CredentialService(store, clock)
  const sessions = new SessionService(store, sealer, clock, config.sessionTtl, config.adminToken)
  app.decorate('tokenmint', { config, store, metrics, cache, admin, keygen, scheduler, verifiers, gate, clock, webhooks, deliveries, authenticator, credentials, sessions, adminRoutes: [] })
  app.addHook('onReady', async () => verifiers.start())
  if (options.scheduler) {
    app.addHook('onReady', async () => {
      scheduler.start()
      gate.start()
    })
  }
  app.addHook('onReady', async () => { deliveries.start() })
  app.addHook('onClose', async () => {
    await deliveries.stop()
    await scheduler.stop()
    await gate.stop()
    await verifiers.stop()
    await keygen.close()
    cache.close()
    authenticator.close()
    await store.close()
  })
}, { name: 'services' })
