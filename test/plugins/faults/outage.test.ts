// Redis killed (SIGKILL) under a running app, and an app started before its Redis: stale service, 503 writes, recovery.
import { createLocalJWKSet, jwtVerify } from 'jose'
import t, { type Test } from 'tap'
import { build, FakeClock, storeReady, type TestApp } from '../../helpers/build.js'
import { es256Tenant, keyList } from '../../helpers/key-lifecycle.js'
import { startRedis } from '../../helpers/redis-server.js'
import { adminHeaders, createTenant, issue } from '../../helpers/tenants.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

interface Answer {
  statusCode: number
  headers: Record<string, unknown>
  json: () => any
}

/** Asserts a 503 STORE_UNAVAILABLE problem that came back within 2 s. */
function assertUnavailable (t: Test, what: string, res: Answer, elapsed: number): void {
  t.equal(res.statusCode, 503, `${what}: 503`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`)
  t.equal(res.json().code, 'STORE_UNAVAILABLE', `${what}: STORE_UNAVAILABLE`)
  t.ok(elapsed < 2000, `${what}: answered within 2 s (took ${Math.round(elapsed)} ms)`)
}

async function timed (call: () => Promise<Answer>): Promise<{ res: Answer, elapsed: number }> {
  const started = performance.now()
  const res = await call()
  return { res, elapsed: performance.now() - started }
}

/** What the operator can see of the store: compared before and after the outage. */
async function storeView (app: TestApp): Promise<Record<string, unknown>> {
  const tenants = await app.admin('GET', '/v1/admin/tenants?limit=100')
  const audit = await app.admin('GET', '/v1/admin/audit?limit=100')
  const apiKeys = await app.admin('GET', '/v1/admin/tenants/hs/api-keys')
  return {
    tenants: tenants.json(),
    audit: audit.json(),
    apiKeys: apiKeys.json(),
    esKeys: await keyList(app.app, 'es'),
    hsKeys: await keyList(app.app, 'hs')
  }
}

t.test('SIGKILL of Redis under a running app: cached tenants keep working, writes fail cleanly, service resumes', async t => {
  // AOF on, so the restarted server has every acknowledged write and we can check that nothing else was written.
  const redis = await startRedis(t, { args: ['--appendonly', 'yes'] })
  const clock = new FakeClock()
  const test = await build(t, { redisUrl: redis.url, clock, env: { CACHE_TTL_MS: '50' } })
  const { app, admin } = test
  await storeReady(app)

  const hs = await createTenant(app, { id: 'hs', profile: 'smooch' })
  const es = await createTenant(app, es256Tenant('es'))
  const cold = await createTenant(app, { id: 'cold', profile: 'smooch' })
  const k1 = es.body.activeKid as string
  const [apiKeyRecord] = (await admin('GET', '/v1/admin/tenants/hs/api-keys')).json().items as Array<{ id: string }>

  // Warm the cache with hs and es (cold never gets read through the cache).
  t.equal((await issue(app, hs.id, hs.apiKey, { userId: 'warm' })).statusCode, 201)
  t.equal((await issue(app, es.id, es.apiKey, { sub: 'warm' })).statusCode, 201)
  const jwksBefore = await app.inject(`/v1/tenants/${es.id}/jwks.json`)
  t.same(jwksBefore.json().keys.map((key: { kid: string }) => key.kid), [k1])
  const before = await storeView(test)

  await redis.kill()
  // Past the 50 ms cache TTL: every read below goes to the store first and falls back to the stale entry.
  clock.advance(1000)
  const cache = app.tokenmint.cache
  const staleBefore = cache.stats.stale

  await t.test('cached tenants keep getting tokens, verifiable with jose', async t => {
    const hsRes = await issue(app, hs.id, hs.apiKey, { userId: 'during' })
    t.equal(hsRes.statusCode, 201, hsRes.body)
    const hsClaims = await jwtVerify(hsRes.json().token, utf8(hs.initialSecret as string), { currentDate: new Date(clock.now) })
    t.equal(hsClaims.payload.userId, 'during')

    const esRes = await issue(app, es.id, es.apiKey, { sub: 'during' })
    t.equal(esRes.statusCode, 201, esRes.body)
    const jwks = await app.inject(`/v1/tenants/${es.id}/jwks.json`)
    t.equal(jwks.statusCode, 200, 'the JWKS of the cached tenant is still served')
    t.same(jwks.json(), jwksBefore.json())
    t.equal(jwks.headers.etag, jwksBefore.headers.etag)
    const esClaims = await jwtVerify(esRes.json().token, createLocalJWKSet(jwks.json()), { currentDate: new Date(clock.now) })
    t.equal(esClaims.payload.sub, 'during')
    t.ok(cache.stats.stale > staleBefore, 'they were served from stale entries, after the store failed')
  })

  await t.test('admin writes answer 503 STORE_UNAVAILABLE within 2 s', async t => {
    const writes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/admin/tenants', { id: 'during', name: 'during', profile: 'smooch' }],
      ['POST', `/v1/admin/tenants/${es.id}/keys/rotate`, {}],
      ['POST', `/v1/admin/tenants/${es.id}/keys`, { alg: 'ES256' }],
      ['POST', `/v1/admin/tenants/${es.id}/keys/${k1}/revoke`],
      ['POST', `/v1/admin/tenants/${hs.id}/api-keys`, { name: 'during' }],
      ['DELETE', `/v1/admin/tenants/${hs.id}/api-keys/${apiKeyRecord.id}`],
      ['PATCH', `/v1/admin/tenants/${hs.id}`, { name: 'renamed' }],
      ['PUT', `/v1/admin/tenants/${hs.id}/rotation`, { every: 3600 }],
      ['DELETE', `/v1/admin/tenants/${cold.id}`]
    ]
    for (const [method, url, payload] of writes) {
      const { res, elapsed } = await timed(async () => await admin(method, url, payload))
      assertUnavailable(t, `${method} ${url}`, res, elapsed)
    }
  })

  await t.test('a tenant that is not cached is a 503, not a 404 or a 500', async t => {
    for (const [what, call] of [
      ['issuance', async () => await issue(app, cold.id, cold.apiKey, { userId: 'u' })],
      ['JWKS', async () => await app.inject(`/v1/tenants/${cold.id}/jwks.json`)],
      ['unknown tenant', async () => await app.inject('/v1/tenants/never-seen/jwks.json')],
      ['admin read', async () => await app.inject({ url: `/v1/admin/tenants/${cold.id}`, headers: adminHeaders })]
    ] as Array<[string, () => Promise<Answer>]>) {
      const { res, elapsed } = await timed(call)
      assertUnavailable(t, what, res, elapsed)
    }
  })

  await t.test('readyz is 503 while healthz stays 200', async t => {
    const { res, elapsed } = await timed(async () => await app.inject('/readyz'))
    assertUnavailable(t, 'readyz', res, elapsed)
    t.equal((await app.inject('/healthz')).statusCode, 200)
  })

  await redis.restart()
  await storeReady(app)

  await t.test('after the restart nothing of the refused writes exists', async t => {
    t.equal((await app.inject('/readyz')).statusCode, 200)
    t.same(await storeView(test), before, 'tenants, audit log, API keys and keyrings are exactly as before the outage')
    t.equal((await admin('GET', '/v1/admin/tenants/during')).statusCode, 404)
  })

  await t.test('everything works again without restarting the app', async t => {
    const after = await createTenant(app, { id: 'after', profile: 'smooch' })
    const res = await issue(app, after.id, after.apiKey, { userId: 'u' })
    t.equal(res.statusCode, 201)
    t.equal((await issue(app, cold.id, cold.apiKey, { userId: 'u' })).statusCode, 201, 'the uncached tenant is read again')
    t.equal((await issue(app, hs.id, hs.apiKey, { userId: 'u' })).statusCode, 201)
    const rotated = await admin('POST', `/v1/admin/tenants/${es.id}/keys/rotate`, { prepublish: 300 })
    t.equal(rotated.statusCode, 201)
    t.equal((await admin('POST', `/v1/admin/tenants/${es.id}/keys/${k1}/revoke`)).statusCode, 200)
    t.same(Object.keys(await keyList(app, es.id)).sort(), [k1, rotated.json().key.kid].sort())
  })
})

t.test('an app started while its Redis is down starts, is not ready, and connects when Redis appears', async t => {
  const redis = await startRedis(t)
  await redis.kill()
  const { app, admin } = await build(t, { redisUrl: redis.url })

  t.equal((await app.inject('/healthz')).statusCode, 200)
  for (const [what, call] of [
    ['readyz', async () => await app.inject('/readyz')],
    ['tenant creation', async () => await admin('POST', '/v1/admin/tenants', { id: 'early', name: 'early', profile: 'smooch' })],
    ['tenant list', async () => await admin('GET', '/v1/admin/tenants')],
    ['issuance', async () => await issue(app, 'early', `tm_early_abcdefgh_${'x'.repeat(43)}`, { userId: 'u' })]
  ] as Array<[string, () => Promise<Answer>]>) {
    const { res, elapsed } = await timed(call)
    assertUnavailable(t, what, res, elapsed)
  }

  await redis.restart()
  await storeReady(app)
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', store: 'redis' })
  const tenant = await createTenant(app, { id: 'early', profile: 'smooch' })
  const res = await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })
  t.equal(res.statusCode, 201)
  t.equal((await jwtVerify(res.json().token, utf8(tenant.initialSecret as string))).payload.userId, 'u')
})
