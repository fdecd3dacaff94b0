// GET /metrics, for METRICS_TOKEN or the admin credential only, exposes issuance, errors, request durations, store, cache, key-state, rotation and rate-limit metrics.
import { once } from 'node:events'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { FakeClock, build, redisStoreOf, storeReady } from '../../helpers/build.js'
import { createCredential } from '../../helpers/access.js'
import { startRedis } from '../../helpers/redis-server.js'
import { adminHeaders, createTenant, issue } from '../../helpers/tenants.js'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Parses the Prometheus text format (no escaped quotes in our label values). */
function parse (text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[key] = value
    samples.push({ name: match[1], labels, value: Number(match[3]) })
  }
  return samples
}

/** The value of the one series with exactly these labels, or undefined. */
function value (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(s => s.name === name && Object.keys(s.labels).length === Object.keys(labels).length &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`${name} has ${found.length} series with these labels`)
  return found[0]?.value
}

async function scrape (app: FastifyInstance, headers: Record<string, string> = adminHeaders): Promise<{ samples: Sample[], contentType: string, body: string }> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers })
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`)
  return { samples: parse(res.body), contentType: String(res.headers['content-type']), body: res.body }
}

const ISSUE = '/v1/tenants/:tenant/tokens'

t.test('after traffic on Redis, every metric has its value; a Redis outage shows in the store, limiter and cache metrics', async t => {
  const redis = await startRedis(t)
  const clock = new FakeClock()
  const { app, admin } = await build(t, { redisUrl: redis.url, clock, env: { METRICS_TENANT_LABEL_MAX: '2' } })
  await storeReady(app)

  // A periodic rotation, run by the scheduler once it is due.
  await createTenant(app, { id: 'rot', profile: 'smooch', rotation: { every: 3600, prepublish: 0 } })
  clock.advance(3_601_000)
  t.equal(await app.tokenmint.scheduler.tick(), 1, 'the scheduler rotated one tenant')

  const alpha = await createTenant(app, { id: 'alpha', profile: 'smooch', rateLimit: { max: 2, timeWindow: 60000 } })
  const beta = await createTenant(app, { id: 'beta', profile: 'smooch' })
  const gamma = await createTenant(app, { id: 'gamma', profile: 'sceyt', profileOptions: { applicationId: 'app-1' }, tokenPolicy: { defaultTtl: 3600 } })
  t.equal((await admin('POST', '/v1/admin/tenants/beta/keys/rotate', {})).statusCode, 201, 'a manual rotation')

  t.equal((await issue(app, 'alpha', alpha.apiKey, { userId: 'u1' })).statusCode, 201)
  t.equal((await issue(app, 'alpha', alpha.apiKey, { userId: 'u2' })).statusCode, 201)
  t.equal((await issue(app, 'alpha', alpha.apiKey, { userId: 'u3' })).statusCode, 429)
  t.equal((await issue(app, 'beta', beta.apiKey, { userId: 'u1' })).statusCode, 201)
  t.equal((await issue(app, 'beta', beta.apiKey, { userId: 42 })).statusCode, 400)
  t.equal((await issue(app, 'beta', alpha.apiKey, { userId: 'u1' })).statusCode, 403, 'another tenant\'s key')
  t.equal((await issue(app, 'gamma', gamma.apiKey, { sub: 'u1' })).statusCode, 201)
  t.equal((await app.inject({ method: 'GET', url: '/v1/tenants/gamma/jwks.json' })).statusCode, 200)

  await scrape(app) // the ping made at a scrape is recorded once it returns: the next scrape shows it
  const { samples, contentType, body } = await scrape(app)
  t.match(contentType, /^text\/plain; version=0\.0\.4/, 'the Prometheus text format')

  t.equal(value(samples, 'tokenmint_tokens_issued_total', { tenant: 'alpha', profile: 'smooch', alg: 'HS256' }), 2)
  t.equal(value(samples, 'tokenmint_tokens_issued_total', { tenant: 'beta', profile: 'smooch', alg: 'HS256' }), 1)
  t.equal(value(samples, 'tokenmint_tokens_issued_total', { tenant: 'other', profile: 'sceyt', alg: 'RS256' }), 1, 'the third tenant is "other"')
  t.notOk(samples.some(s => s.labels.tenant === 'gamma'), 'the capped tenant never appears by id')

  t.equal(value(samples, 'tokenmint_issuance_errors_total', { code: 'RATE_LIMITED' }), 1)
  t.equal(value(samples, 'tokenmint_issuance_errors_total', { code: 'VALIDATION_FAILED' }), 1)
  t.equal(value(samples, 'tokenmint_issuance_errors_total', { code: 'FORBIDDEN' }), 1)
  t.equal(samples.filter(s => s.name === 'tokenmint_issuance_errors_total').length, 3, 'no other issuance error was counted')

  const count = (labels: Record<string, string>): number | undefined => value(samples, 'tokenmint_http_request_duration_seconds_count', labels)
  t.equal(count({ method: 'POST', route: ISSUE, status_code: '201' }), 4)
  t.equal(count({ method: 'POST', route: ISSUE, status_code: '400' }), 1)
  t.equal(count({ method: 'POST', route: ISSUE, status_code: '403' }), 1)
  t.equal(count({ method: 'POST', route: ISSUE, status_code: '429' }), 1)
  t.equal(count({ method: 'GET', route: '/v1/tenants/:tenant/jwks.json', status_code: '200' }), 1)
  t.equal(value(samples, 'tokenmint_http_request_duration_seconds_bucket', { method: 'POST', route: ISSUE, status_code: '201', le: '+Inf' }), 4)
  t.ok((value(samples, 'tokenmint_http_request_duration_seconds_sum', { method: 'POST', route: ISSUE, status_code: '201' }) ?? 0) > 0)
  t.notOk(samples.some(s => s.labels.route?.includes('alpha') === true || s.labels.route?.includes('gamma') === true), 'routes are patterns, never raw URLs')

  t.equal(value(samples, 'tokenmint_key_rotations_total', { trigger: 'manual' }), 1)
  t.equal(value(samples, 'tokenmint_key_rotations_total', { trigger: 'scheduled' }), 1)
  t.equal(value(samples, 'tokenmint_rate_limited_total', { tenant: 'alpha' }), 1)
  t.equal(value(samples, 'tokenmint_rate_limiter_errors_total'), 0)

  // Cached: alpha, beta (its first key retiring since the manual rotation) and gamma.
  t.equal(value(samples, 'tokenmint_cache_tenants'), 3)
  t.equal(value(samples, 'tokenmint_keys', { state: 'active' }), 3)
  t.equal(value(samples, 'tokenmint_keys', { state: 'retiring' }), 1)
  t.equal(value(samples, 'tokenmint_keys', { state: 'pending' }), 0)
  t.equal(value(samples, 'tokenmint_keys', { state: 'retired' }), 0)
  t.equal(value(samples, 'tokenmint_keys', { state: 'revoked' }), 0)
  t.equal(value(samples, 'tokenmint_cache_misses_total'), 3, 'one store read per tenant')
  t.equal(value(samples, 'tokenmint_cache_hits_total'), app.tokenmint.cache.stats.hits)
  t.ok((value(samples, 'tokenmint_cache_hits_total') ?? 0) >= 4)
  t.equal(value(samples, 'tokenmint_cache_stale_total'), 0)

  t.equal(value(samples, 'tokenmint_store_duration_seconds_count', { operation: 'getSnapshot' }), 3)
  t.ok((value(samples, 'tokenmint_store_duration_seconds_count', { operation: 'ping' }) ?? 0) >= 1, 'scrapes ping the store')
  t.equal(value(samples, 'tokenmint_store_errors_total', { operation: 'getSnapshot' }), 0)
  t.equal(value(samples, 'tokenmint_store_errors_total', { operation: 'getVersion' }), 0)
  t.equal(value(samples, 'tokenmint_cache_version_checks_total'), 0)
  t.equal(value(samples, 'tokenmint_store_errors_total', { operation: 'ping' }), 0)
  t.equal(value(samples, 'tokenmint_store_up'), 1)
  t.equal(value(samples, 'tokenmint_redis_connection_errors_total'), 0)

  t.ok((value(samples, 'process_cpu_user_seconds_total') ?? 0) > 0, 'default process metrics')
  t.ok((value(samples, 'nodejs_heap_size_used_bytes') ?? 0) > 0)
  t.match(body, /# TYPE tokenmint_http_request_duration_seconds histogram/)

  // Redis goes away: beta's cache entry is past its TTL, so it is served while its version check fails, then
  // served stale; the limiter lets both requests through.
  const client = redisStoreOf(app).redis
  const errored = once(client, 'error')
  await redis.kill()
  await errored
  clock.advance(app.tokenmint.config.cacheTtlMs + 1000)
  t.equal((await issue(app, 'beta', beta.apiKey, { userId: 'u2' })).statusCode, 201, 'served while its version is checked')
  await app.tokenmint.cache.settled()
  t.equal((await issue(app, 'beta', beta.apiKey, { userId: 'u3' })).statusCode, 201, 'served from the stale cache')

  await scrape(app)
  const down = (await scrape(app)).samples
  t.equal(value(down, 'tokenmint_store_up'), 0)
  t.ok((value(down, 'tokenmint_redis_connection_errors_total') ?? 0) >= 1, 'client error events are counted')
  t.equal(value(down, 'tokenmint_rate_limiter_errors_total'), 2)
  t.equal(value(down, 'tokenmint_cache_stale_total'), 1)
  t.equal(value(down, 'tokenmint_cache_version_checks_total'), 1)
  t.equal(value(down, 'tokenmint_store_errors_total', { operation: 'getVersion' }), 1)
  t.equal(value(down, 'tokenmint_store_errors_total', { operation: 'getSnapshot' }), 1)
  t.ok((value(down, 'tokenmint_store_errors_total', { operation: 'ping' }) ?? 0) >= 1)
  t.equal(value(down, 'tokenmint_tokens_issued_total', { tenant: 'beta', profile: 'smooch', alg: 'HS256' }), 3)
})

t.test('the tenant label keeps the first METRICS_TENANT_LABEL_MAX tenants; apps in one process keep separate registries', async t => {
  const { app } = await build(t, { env: { METRICS_TENANT_LABEL_MAX: '2' } })
  const other = await build(t)
  const tenants = []
  for (const id of ['t-one', 't-two', 't-three']) tenants.push(await createTenant(app, { id, profile: 'smooch' }))
  for (const tenant of [...tenants, tenants[2], tenants[0]]) {
    t.equal((await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })).statusCode, 201)
  }
  const { samples } = await scrape(app)
  const issued = samples.filter(s => s.name === 'tokenmint_tokens_issued_total')
  t.same(issued.map(s => [s.labels.tenant, s.value]).sort(), [['other', 2], ['t-one', 2], ['t-two', 1]])

  const separate = (await scrape(other.app)).samples
  t.equal(separate.filter(s => s.name === 'tokenmint_tokens_issued_total').length, 0, 'the other app counted nothing')
  t.equal(value(separate, 'tokenmint_store_up'), 1, 'and its store (memory) answers')
})

t.test('GET /metrics answers 401 without METRICS_TOKEN or the admin token, 200 with either', async t => {
  const METRICS_TOKEN = 'metrics-scrape-token-0123456789abcdef'
  const { app } = await build(t, { env: { METRICS_TOKEN } })
  const refused: Array<[string, Record<string, string>]> = [
    ['no Authorization header', {}],
    ['not a bearer token', { authorization: `Basic ${METRICS_TOKEN}` }],
    ['a wrong token', { authorization: `Bearer ${METRICS_TOKEN.replace(/.$/, 'x')}` }],
    ['a wrong admin token', { authorization: adminHeaders.authorization.replace(/.$/, 'x') }]
  ]
  for (const [what, headers] of refused) {
    const res = await app.inject({ method: 'GET', url: '/metrics', headers })
    t.equal(res.statusCode, 401, what)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.json().code, 'UNAUTHORIZED')
    t.notMatch(res.body, /tokenmint_/, 'no metric is shown')
  }
  t.ok(value((await scrape(app, { authorization: `Bearer ${METRICS_TOKEN}` })).samples, 'tokenmint_store_up') === 1, 'METRICS_TOKEN scrapes')
  t.ok(value((await scrape(app, adminHeaders)).samples, 'tokenmint_store_up') === 1, 'the admin token scrapes')

  const without = (await build(t)).app
  t.equal((await without.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).statusCode, 401, 'without METRICS_TOKEN set, only the admin token scrapes')
  t.equal((await scrape(without, adminHeaders)).samples.length > 0, true)
})

t.test('each request is counted once, under its route pattern (prefixed, HEAD, errors), or as "unmatched"', async t => {
  const { app } = await build(t)
  const tenant = await createTenant(app, { id: 'counted', profile: 'smooch' })
  const before = (await scrape(app)).samples
  t.equal((await app.inject({ method: 'HEAD', url: '/healthz' })).statusCode, 200)
  t.equal((await app.inject('/healthz')).statusCode, 200)
  t.equal((await app.inject('/v1/admin/tenants/counted')).statusCode, 401)
  t.equal((await app.inject('/no/such/route')).statusCode, 404)
  t.equal((await app.inject('/no/such/route')).statusCode, 404)
  t.equal((await issue(app, 'counted', tenant.apiKey, { userId: 42 })).statusCode, 400)
  const { samples } = await scrape(app)
  const added = (labels: Record<string, string>): number => {
    const name = 'tokenmint_http_request_duration_seconds_count'
    return (value(samples, name, labels) ?? 0) - (value(before, name, labels) ?? 0)
  }
  t.equal(added({ method: 'HEAD', route: '/healthz', status_code: '200' }), 1)
  t.equal(added({ method: 'GET', route: '/healthz', status_code: '200' }), 1)
  t.equal(added({ method: 'GET', route: '/v1/admin/tenants/:tenant', status_code: '401' }), 1)
  t.equal(added({ method: 'GET', route: 'unmatched', status_code: '404' }), 2)
  t.equal(added({ method: 'POST', route: ISSUE, status_code: '400' }), 1)
  t.equal(value(samples, 'tokenmint_issuance_errors_total', { code: 'VALIDATION_FAILED' }), 1, 'the issuance route counts its errors')
  t.equal(value(samples, 'tokenmint_issuance_errors_total', { code: 'UNAUTHORIZED' }), undefined, 'no other route\'s')
})

t.test('verifiers per tenant, capped like the token metrics, and postponed activations (failed flushes: test/plugins/routes/admin/verifiers.test.ts)', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock, env: { METRICS_TENANT_LABEL_MAX: '1' } })
  for (const id of ['v-one', 'v-two', 'v-three']) await createTenant(app, { id, profile: 'sceyt', profileOptions: { applicationId: 'app' } })
  const fetch = async (tenant: string, userAgent: string): Promise<void> => {
    t.equal((await app.inject({ url: `/v1/tenants/${tenant}/jwks.json`, headers: { 'user-agent': userAgent } })).statusCode, 200)
  }
  await fetch('v-one', 'a')
  await fetch('v-one', 'b')
  await fetch('v-two', 'a')
  await fetch('v-three', 'a')
  await fetch('v-three', 'b')
  await app.tokenmint.verifiers.flush()
  let { samples } = await scrape(app)
  t.same(samples.filter(s => s.name === 'tokenmint_verifiers').map(s => [s.labels.tenant, s.value]).sort(), [['other', 3], ['v-one', 2]],
    'the first tenant keeps its label; the later ones are summed under "other"')
  t.equal(value(samples, 'tokenmint_activations_postponed_total'), 0)
  t.equal(value(samples, 'tokenmint_verifier_flush_failures_total'), 0)

  const rotated = await admin('POST', '/v1/admin/tenants/v-one/keys/rotate', { waitForVerifiers: true, prepublish: 300 })
  t.equal(rotated.statusCode, 201)
  clock.now = Date.parse(rotated.json().key.activateAt) - 1000
  t.equal(await app.tokenmint.gate.tick(), 1)
  samples = (await scrape(app)).samples
  t.equal(value(samples, 'tokenmint_activations_postponed_total'), 1)
})

t.test('GET /metrics takes a scoped credential of role admin, operator or auditor, not tenant-admin', async t => {
  const { app } = await build(t)
  const statuses: Record<string, number> = {}
  for (const role of ['admin', 'operator', 'auditor', 'tenant-admin'] as const) {
    const made = await createCredential(app, role, role === 'tenant-admin' ? ['acme'] : undefined)
    statuses[role] = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${made.token}` } })).statusCode
  }
  t.same(statuses, { admin: 200, operator: 200, auditor: 200, 'tenant-admin': 401 })
  const deleted = await createCredential(app, 'operator')
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/admin/credentials/${deleted.id}`, headers: adminHeaders })).statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${deleted.token}` } })).statusCode, 401, 'a deleted one no longer')
})
