// Prometheus metrics: the counters the services report to (createMetrics), and the plugin that adds scrape-time gauges, request timings and GET /metrics.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type GaugeConfiguration } from 'prom-client'
import { bearerToken, safeEqual } from '../../src/api-keys.js'
import { METRICS_ROLES } from '../../src/access/actions.js'
import { TokenmintError } from '../../src/errors.js'
import { RequestHistogram, type HistogramSeries } from './request-histogram.js'
import type { Config } from '../../src/config.js'
import { KEY_STATES, type KeyState } from '../../src/keys/key-state.js'
import { toProblem } from './problem.js'
import { STORE_OPERATIONS, type Metrics, type StoreOperation } from './services.js'

const ISSUE_ROUTE = '/v1/tenants/:tenant/tokens'
/** Seconds; most requests here take well under a millisecond. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** A route option's hooks as a list. */
const hooksOf = <T>(hooks: T | T[] | undefined): T[] => hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]

/** The tenant label: the first `max` distinct tenants keep their id, every later one is counted as "other". */
export function tenantLabeller (max: number): (tenant: string) => string {
  const known = new Set<string>()
  return tenant => {
    if (known.has(tenant)) return tenant
    if (known.size >= max) return 'other'
    known.add(tenant)
    return tenant
  }
}

/**
 * The counters the services and routes report to, on a prom-client registry of the app's own. The app builds them
 * before its services, so every caller has them from the start; the metrics plugin exposes the registry.
 */
export function createMetrics (config: Pick<Config, 'metricsTenantLabelMax'>): Metrics {
  const registry = new Registry()
  const registers = [registry]
  const tenantLabel = tenantLabeller(config.metricsTenantLabelMax)
  collectDefaultMetrics({ register: registry })

  // Issuance is counted in plain fields on the hot path (found by tenant label, no key to build) and handed to the
  // counter at each scrape. Keyed by label, not tenant id: the tenants past the label cap share one "other" entry,
  // so the lookup stays in a small, hot table however many tenants there are.
  interface Issued { profile: string, alg: string, labels: { tenant: string, profile: string, alg: string }, uncounted: number }
  const issuedByLabel = new Map<string, Issued[]>()
  let issuedSeries = 0
  const tokensIssued = new Counter({
    name: 'tokenmint_tokens_issued_total',
    help: `Tokens issued, by tenant (the first ${config.metricsTenantLabelMax} tenants seen; later ones as "other"), profile and alg`,
    labelNames: ['tenant', 'profile', 'alg'] as const,
    registers,
    collect () {
      for (const list of issuedByLabel.values()) {
        for (const issued of list) {
          if (issued.uncounted === 0) continue
          this.inc(issued.labels, issued.uncounted)
          issued.uncounted = 0
        }
      }
    }
  })
  const rotations = new Counter({
    name: 'tokenmint_key_rotations_total',
    help: 'Key versions created by rotation: the admin rotate route (manual) or the rotation scheduler (scheduled)',
    labelNames: ['trigger'] as const,
    registers
  })
  rotations.inc({ trigger: 'manual' }, 0)
  rotations.inc({ trigger: 'scheduled' }, 0)
  const rateLimited = new Counter({
    name: 'tokenmint_rate_limited_total',
    help: 'Requests refused by the per-tenant rate limit, by tenant (capped like tokenmint_tokens_issued_total)',
    labelNames: ['tenant'] as const,
    registers
  })
  const rateLimiterErrors = new Counter({
    name: 'tokenmint_rate_limiter_errors_total',
    help: 'Rate-limiter store failures (the request was let through)',
    registers
  })
  const storeDuration = new Histogram({
    name: 'tokenmint_store_duration_seconds',
    help: 'Time of store calls: snapshot reads and version checks of the tenant cache, and the ping made at each scrape',
    labelNames: ['operation'] as const,
    buckets: STORE_BUCKETS,
    registers
  })
  const storeErrors = new Counter({
    name: 'tokenmint_store_errors_total',
    help: 'Failed store calls (snapshot reads and version checks of the tenant cache, the ping made at each scrape)',
    labelNames: ['operation'] as const,
    registers
  })
  for (const operation of STORE_OPERATIONS) storeErrors.inc({ operation }, 0)
  const verifiers = new Gauge({
    name: 'tokenmint_verifiers',
    help: 'Verifiers kept per tenant (capped like tokenmint_tokens_issued_total; the tenants past the cap are summed as "other"), as of the last flush',
    labelNames: ['tenant'] as const,
    registers
  })
  /** Per tenant label, the count of each tenant behind it (several tenants share "other"). */
  const verifiersByLabel = new Map<string, Map<string, number>>()
  const verifierFlushFailures = new Counter({
    name: 'tokenmint_verifier_flush_failures_total',
    help: 'Flushes of recorded verifier fetches that failed (their fetches were dropped; verifiers were answered as usual)',
    registers
  })
  const postponed = new Counter({
    name: 'tokenmint_activations_postponed_total',
    help: 'Propagation-gated key activations held because a verifier lacked the key',
    registers
  })
  const webhookDeliveries = new Counter({
    name: 'tokenmint_webhook_deliveries_total',
    help: 'Webhook delivery attempts made by this instance, by result: delivered, retrying (a retry is scheduled) or failed (no retry left)',
    labelNames: ['result'] as const,
    registers
  })
  for (const result of ['delivered', 'retrying', 'failed'] as const) webhookDeliveries.inc({ result }, 0)

  return {
    registry,
    rateLimited: tenant => rateLimited.inc({ tenant: tenantLabel(tenant) }),
    rateLimiterErrors: () => rateLimiterErrors.inc(),
    tokenIssued: (tenant, profile, alg) => {
      const label = tenantLabel(tenant)
      let list = issuedByLabel.get(label)
      let issued: Issued | undefined
      for (const entry of list ?? []) {
        if (entry.profile === profile && entry.alg === alg) issued = entry
      }
      if (issued === undefined) {
        const labels = { tenant: label, profile, alg }
        if (issuedSeries >= 100_000) {
          tokensIssued.inc(labels)
          return
        }
        issued = { profile, alg, labels, uncounted: 0 }
        if (list === undefined) {
          list = []
          issuedByLabel.set(label, list)
        }
        list.push(issued)
        issuedSeries++
      }
      issued.uncounted++
    },
    keyRotated: trigger => rotations.inc({ trigger }),
    verifiersKept: counts => {
      for (const [tenant, count] of counts) {
        const label = tenantLabel(tenant)
        let tenants = verifiersByLabel.get(label)
        if (tenants === undefined) {
          tenants = new Map()
          verifiersByLabel.set(label, tenants)
        }
        tenants.set(tenant, count)
        let sum = 0
        for (const n of tenants.values()) sum += n
        verifiers.set({ tenant: label }, sum)
      }
    },
    verifierFlushFailed: () => verifierFlushFailures.inc(),
    activationPostponed: () => postponed.inc(),
    storeCall: (operation: StoreOperation, ms: number, failed: boolean): void => {
      storeDuration.observe({ operation }, ms / 1000)
      if (failed) storeErrors.inc({ operation })
    },
    webhookDelivery: result => webhookDeliveries.inc({ result })
  }
}

export default fp(async function metrics (app: FastifyInstance) {
  const { cache, clock, metrics, store } = app.tokenmint
  const { registry, storeCall } = metrics
  const registers = [registry]
  /** A gauge computed at scrape time. */
  const scraped = <T extends string>(configuration: Omit<GaugeConfiguration<T>, 'registers'>): Gauge<T> => new Gauge({ ...configuration, registers })

  const requestDuration = new RequestHistogram(
    'tokenmint_http_request_duration_seconds',
    'Time to answer an HTTP request, by method, route pattern and status code',
    REQUEST_BUCKETS,
    registry
  )
  const issuanceErrors = new Counter({
    name: 'tokenmint_issuance_errors_total',
    help: 'Problem responses of the issuance route (POST /v1/tenants/:tenant/tokens), by problem code',
    labelNames: ['code'] as const,
    registers
  })
  const redisErrors = new Counter({
    name: 'tokenmint_redis_connection_errors_total',
    help: 'Error events of the Redis command connection (refused or lost connections, reconnect failures)',
    registers
  })

  scraped({
    name: 'tokenmint_store_up',
    help: '1 when the store answered the ping made at this scrape, 0 otherwise',
    async collect () {
      const started = performance.now()
      let up = 1
      try {
        await store.ready()
      } catch {
        up = 0
      }
      storeCall('ping', performance.now() - started, up === 0)
      this.set(up)
    }
  })

  // The cache counts in plain fields; each scrape adds what changed since the previous one.
  const reported = { hits: 0, misses: 0, stale: 0, checks: 0 }
  const cacheCounter = (field: keyof typeof reported, name: string, help: string): Counter =>
    new Counter({
      name,
      help,
      registers,
      collect () {
        const value = cache.stats[field]
        this.inc(Math.max(0, value - reported[field]))
        reported[field] = value
      }
    })
  cacheCounter('hits', 'tokenmint_cache_hits_total', 'Tenant lookups answered from the in-memory cache')
  cacheCounter('misses', 'tokenmint_cache_misses_total', 'Tenant lookups that had to read the store')
  cacheCounter('stale', 'tokenmint_cache_stale_total', 'Misses answered with a stale cached tenant because the store was unavailable')
  cacheCounter('checks', 'tokenmint_cache_version_checks_total', 'Background version checks of cached tenants past CACHE_TTL_MS (served meanwhile)')

  // Both webhook gauges come from one store read per scrape.
  let webhookQueue: Promise<{ depth: number, oldestCreatedAt: number | null }> | undefined
  const readWebhookQueue = async (): Promise<{ depth: number, oldestCreatedAt: number | null }> => {
    webhookQueue ??= (async () => {
      try {
        return await store.eventStore.pendingStats((await store.eventStore.listWebhooks()).map(webhook => webhook.id))
      } catch {
        return { depth: 0, oldestCreatedAt: null }
      }
    })()
    setImmediate(() => { webhookQueue = undefined })
    return await webhookQueue
  }
  scraped({
    name: 'tokenmint_webhook_queue_depth',
    help: 'Pending webhook deliveries, every webhook and instance together',
    async collect () { this.set((await readWebhookQueue()).depth) }
  })
  scraped({
    name: 'tokenmint_webhook_oldest_pending_seconds',
    help: 'Age of the oldest pending webhook delivery (0 when none is pending)',
    async collect () {
      const { oldestCreatedAt } = await readWebhookQueue()
      this.set(oldestCreatedAt === null ? 0 : Math.max(0, (clock() - oldestCreatedAt) / 1000))
    }
  })

  scraped({
    name: 'tokenmint_cache_tenants',
    help: 'Tenants held in the in-memory cache',
    collect () { this.set(cache.cached().length) }
  })
  scraped({
    name: 'tokenmint_keys',
    help: 'Key versions of the cached tenants by derived state, at scrape time',
    labelNames: ['state'] as const,
    collect () {
      const counts = new Map<KeyState, number>(KEY_STATES.map(state => [state, 0]))
      const now = clock()
      for (const runtime of cache.cached()) {
        for (const status of runtime.keyring(now).statuses) counts.set(status.state, (counts.get(status.state) ?? 0) + 1)
      }
      for (const [state, count] of counts) this.set({ state }, count)
    }
  })

  /** The request series of one route pattern, found by method and status code among the few the route has seen. */
  function routeSeries (route: string): (method: string, statusCode: number) => HistogramSeries {
    const known: Array<{ method: string, statusCode: number, series: HistogramSeries }> = []
    return (method, statusCode) => {
      for (const entry of known) {
        if (entry.statusCode === statusCode && entry.method === method) return entry.series
      }
      const key = `${method} ${route} ${statusCode}`
      const series = requestDuration.find(key) ?? requestDuration.add(key, { method, route, status_code: statusCode })
      known.push({ method, statusCode, series })
      return series
    }
  }

  const offConnectionError = store.onConnectionError(() => { redisErrors.inc() })

  // Every route counts its own requests with a callback hook that knows its pattern, so a request costs no
  // routeOptions object and no key string; Fastify already timed it.
  app.addHook('onRoute', route => {
    const seriesOf = routeSeries(route.url)
    const countRequest: onResponseHookHandler = (request, reply, done) => {
      requestDuration.observe(seriesOf(request.method, reply.statusCode), reply.elapsedTime / 1000)
      done()
    }
    route.onResponse = [...hooksOf(route.onResponse), countRequest]
    if (route.url === ISSUE_ROUTE) route.onError = [...hooksOf(route.onError), countIssuanceError]
  })
  // A request no route matched (the 404 handler) is counted by the app-wide hook, as "unmatched".
  const unmatched = routeSeries('unmatched')
  app.addHook('onResponse', function countUnmatched (request, reply, done) {
    if (request.is404) requestDuration.observe(unmatched(request.method, reply.statusCode), reply.elapsedTime / 1000)
    done()
  })
  /** Runs only for errors, before the error handler turns them into problem+json with the same code. */
  function countIssuanceError (_request: FastifyRequest, _reply: FastifyReply, error: FastifyError, done: () => void): void {
    issuanceErrors.inc({ code: toProblem(error).code })
    done()
  }
  app.addHook('onClose', async () => {
    offConnectionError()
    registry.clear()
  })

  // The metrics name every tenant and its volume: only METRICS_TOKEN or the admin credential may scrape them.
  const { metricsToken } = app.tokenmint.config
  const { authenticator } = app.tokenmint
  async function scraper (request: FastifyRequest): Promise<void> {
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) throw new TokenmintError('UNAUTHORIZED', 'a credential is missing (Authorization: Bearer <METRICS_TOKEN>, <ADMIN_TOKEN> or an admin credential)')
    // Security: compared in constant time; the admin credential (ADMIN_TOKEN or a scoped one of an allowed role) is checked whatever this answered.
    const scrape = metricsToken !== undefined && safeEqual(token, metricsToken)
    const principal = await authenticator.principal(token)
    const admin = principal !== undefined && METRICS_ROLES.has(principal.role)
    if (!admin && !scrape) throw new TokenmintError('UNAUTHORIZED', 'the metrics credential is not valid')
  }

  app.get('/metrics', { schema: { hide: true }, onRequest: scraper }, async (_request, reply) => {
    const body = await registry.metrics()
    return await reply.type(registry.contentType).send(body)
  })
}, { name: 'metrics', dependencies: ['services'] })
