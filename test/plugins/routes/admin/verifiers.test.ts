// Verifier tracking: JWKS and discovery fetches counted per verifier across two instances, the verifier list, the counts on keys, eviction, TRUST_PROXY, and a flush while Redis is down.
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { build, FakeClock, storeReady, type TestApp } from '../../../helpers/build.js'
import { es256Tenant } from '../../../helpers/key-lifecycle.js'
import { startRedis, uniquePrefix } from '../../../helpers/redis-server.js'
import { createTenant } from '../../../helpers/tenants.js'

const DAY = 86_400_000

/** The id as SPEC defines it, computed here independently of the server. */
const expectedId = (ip: string, userAgent: string): string => createHash('sha256').update(`${ip}\n${userAgent}`).digest('hex').slice(0, 16)

async function fetchJwks (app: FastifyInstance, tenant: string, userAgent: string, headers: Record<string, string> = {}) {
  return await app.inject({ url: `/t/${tenant}/.well-known/jwks.json`, headers: { 'user-agent': userAgent, ...headers } })
}

async function flush (...apps: TestApp[]): Promise<void> {
  for (const { app } of apps) await app.tokenmint.verifiers.flush()
}

async function twoOnOneRedis (t: Parameters<typeof build>[0], clock: FakeClock, env: Record<string, string> = {}): Promise<{ a: TestApp, b: TestApp }> {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const a = await build(t, { redisUrl: redis.url, prefix, clock, env })
  const b = await build(t, { redisUrl: redis.url, prefix, clock, env })
  await storeReady(a.app)
  await storeReady(b.app)
  return { a, b }
}

t.test('two instances count one verifier together: fetches, kids after a 304, the id formula', async t => {
  const clock = new FakeClock()
  const { a, b } = await twoOnOneRedis(t, clock)
  const tenant = await createTenant(a.app, es256Tenant('acme'))
  const kid = tenant.body.activeKid as string

  const first = await fetchJwks(a.app, 'acme', 'gateway/1.0')
  t.equal(first.statusCode, 200)
  clock.advance(1000)
  t.equal((await fetchJwks(b.app, 'acme', 'gateway/1.0')).statusCode, 200)
  clock.advance(1000)
  const discovery = await b.app.inject({ url: '/t/acme/.well-known/openid-configuration', headers: { 'user-agent': 'gateway/1.0' } })
  t.equal(discovery.statusCode, 200)
  // A second verifier that only ever revalidates: its kids come from the document whose ETag it sent.
  const notModified = await fetchJwks(b.app, 'acme', 'revalidator', { 'if-none-match': String(first.headers.etag) })
  t.equal(notModified.statusCode, 304)
  const discoveryOnly = await a.app.inject({ url: '/t/acme/.well-known/openid-configuration', headers: { 'user-agent': 'discovery-only' } })
  t.equal(discoveryOnly.statusCode, 200)
  await flush(a, b)

  const list = await a.admin('GET', '/v1/admin/tenants/acme/verifiers')
  t.equal(list.statusCode, 200)
  const byAgent = Object.fromEntries(list.json().items.map((v: { userAgent: string }) => [v.userAgent, v]))
  t.same(byAgent['gateway/1.0'], {
    id: expectedId('127.0.0.1', 'gateway/1.0'),
    ip: '127.0.0.1',
    userAgent: 'gateway/1.0',
    firstSeen: new Date(clock.now - 2000).toISOString(),
    lastSeen: new Date(clock.now).toISOString(),
    fetches: 3,
    kids: [kid]
  }, 'two JWKS fetches on two instances and one discovery fetch')
  t.same(byAgent.revalidator.kids, [kid], 'a 304 counts the kids of the document it names')
  t.same({ fetches: byAgent['discovery-only'].fetches, kids: byAgent['discovery-only'].kids }, { fetches: 1, kids: [] }, 'discovery updates lastSeen and fetches only')
  t.equal(list.json().nextCursor, null)

  const keys = await b.admin('GET', '/v1/admin/tenants/acme/keys')
  t.same(keys.json().items[0].verifiers, { seen: 3, withKey: 2 }, 'the key list counts the verifiers that have each key')
})

t.test('a rotation: verifiers learn the new key one by one, and the window bounds who counts', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock, env: { VERIFIER_WINDOW: '86400' } })
  await createTenant(app, es256Tenant('acme'))
  await fetchJwks(app, 'acme', 'old-timer')
  clock.advance(2 * DAY)
  await fetchJwks(app, 'acme', 'one')
  await fetchJwks(app, 'acme', 'two')
  const rotated = await admin('POST', '/v1/admin/tenants/acme/keys/rotate', {})
  t.equal(rotated.statusCode, 201)
  const next = rotated.json().key.kid as string
  clock.advance(1000)
  await fetchJwks(app, 'acme', 'one')
  await app.tokenmint.verifiers.flush()
  const keys = (await admin('GET', '/v1/admin/tenants/acme/keys')).json().items as Array<{ kid: string, verifiers?: unknown }>
  t.same(keys.find(key => key.kid === next)?.verifiers, { seen: 2, withKey: 1 }, 'one of the two verifiers of the last day has the new key')
  t.same(keys.find(key => key.kid !== next)?.verifiers, { seen: 2, withKey: 2 }, 'the one seen two days ago is outside the window')
  const list = (await admin('GET', '/v1/admin/tenants/acme/verifiers')).json().items as Array<{ userAgent: string }>
  t.same(list.map(v => v.userAgent), ['one', 'two', 'old-timer'], 'most recently seen first, the old one still listed')
})

t.test('at most VERIFIERS_MAX verifiers per tenant, across instances, the least recently seen dropped', async t => {
  const clock = new FakeClock()
  const { a, b } = await twoOnOneRedis(t, clock, { VERIFIERS_MAX: '3' })
  await createTenant(a.app, es256Tenant('acme'))
  for (const [i, agent] of ['v1', 'v2', 'v3'].entries()) {
    await fetchJwks(i % 2 === 0 ? a.app : b.app, 'acme', agent)
    clock.advance(1000)
  }
  await flush(a, b)
  await fetchJwks(b.app, 'acme', 'v1')
  clock.advance(1000)
  await fetchJwks(a.app, 'acme', 'v4')
  await flush(b, a)
  const list = (await a.admin('GET', '/v1/admin/tenants/acme/verifiers')).json().items as Array<{ userAgent: string }>
  t.same(list.map(v => v.userAgent), ['v4', 'v1', 'v3'], 'v2, seen longest ago, is gone')
})

t.test('the verifier list pages with a cursor, refuses a forged one, and 404s an unknown tenant', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock })
  await createTenant(app, es256Tenant('acme'))
  for (const agent of ['a', 'b', 'c', 'd', 'e']) {
    await fetchJwks(app, 'acme', agent)
    clock.advance(1000)
  }
  await app.tokenmint.verifiers.flush()
  const seen: string[] = []
  let cursor: string | null = null
  do {
    const page = await admin('GET', `/v1/admin/tenants/acme/verifiers?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)
    t.equal(page.statusCode, 200)
    t.ok(page.json().items.length <= 2)
    seen.push(...page.json().items.map((v: { userAgent: string }) => v.userAgent))
    cursor = page.json().nextCursor
  } while (cursor !== null)
  t.same(seen, ['e', 'd', 'c', 'b', 'a'], 'every verifier once, most recently seen first')
  const forged = await admin('GET', '/v1/admin/tenants/acme/verifiers?cursor=bm9wZQ')
  t.equal(forged.statusCode, 400)
  t.match(forged.json().errors, [{ path: '/cursor' }])
  t.equal((await admin('GET', '/v1/admin/tenants/ghost/verifiers')).statusCode, 404)
  t.equal((await admin('GET', '/v1/admin/tenants/acme/verifiers?limit=0')).statusCode, 400)
})

t.test('behind a trusted proxy the client address is the forwarded one; User-Agents are kept to 200 characters', async t => {
  const { app, admin } = await build(t, { env: { TRUST_PROXY: 'true' } })
  await createTenant(app, es256Tenant('acme'))
  const long = 'x'.repeat(300)
  await fetchJwks(app, 'acme', long, { 'x-forwarded-for': '203.0.113.7' })
  await app.tokenmint.verifiers.flush()
  const [verifier] = (await admin('GET', '/v1/admin/tenants/acme/verifiers')).json().items
  t.equal(verifier.ip, '203.0.113.7')
  t.equal(verifier.userAgent, long.slice(0, 200))
  t.equal(verifier.id, expectedId('203.0.113.7', long), 'the id hashes the whole User-Agent')
})

t.test('Redis down during a flush: the JWKS keeps answering, the failure is counted, nothing crashes', async t => {
  const redis = await startRedis(t)
  const { app } = await build(t, { redisUrl: redis.url })
  await storeReady(app)
  await createTenant(app, es256Tenant('acme'))
  t.equal((await fetchJwks(app, 'acme', 'before')).statusCode, 200)
  await redis.kill()
  for (let i = 0; i < 20; i++) t.equal((await fetchJwks(app, 'acme', `during-${i}`)).statusCode, 200, 'answered from the cache')
  await app.tokenmint.verifiers.flush()
  const metrics = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${String(app.tokenmint.config.adminToken)}` } })
  t.match(metrics.body, /tokenmint_verifier_flush_failures_total 1\b/, 'the failed flush is counted')
  t.equal((await fetchJwks(app, 'acme', 'still')).statusCode, 200, 'and after the failed flush')
  await app.tokenmint.verifiers.flush()
  t.match((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${String(app.tokenmint.config.adminToken)}` } })).body,
    /tokenmint_verifier_flush_failures_total 2\b/, 'each failed flush is counted once')
  t.equal((await app.inject('/healthz')).statusCode, 200, 'the process is up')
})
