// Public verifier routes: JWKS contents and HTTP caching over real sockets at every log level, OIDC discovery, and a verifier that sees no failure across a rotation.
import { request as httpRequest } from 'node:http'
import { Writable } from 'node:stream'
import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose'
import t, { type Test } from 'tap'
import { REDACT, buildApp } from '../../../plugins/app.js'
import { loadConfig } from '../../../src/config.js'
import { ADMIN_TOKEN, MASTER_KEY, build, FakeClock } from '../../helpers/build.js'
import { es256Tenant } from '../../helpers/key-lifecycle.js'
import { adminHeaders, createTenant, issue } from '../../helpers/tenants.js'

const PUBLIC_URL = 'https://tokens.example.com'
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']
const PUBLIC_MEMBERS: Record<string, string[]> = {
  RSA: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
  EC: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
  OKP: ['alg', 'crv', 'kid', 'kty', 'use', 'x']
}
const KTY: Record<string, string> = { RS256: 'RSA', ES256: 'EC', EdDSA: 'OKP' }
const SECOND = 1000

/** max-age and stale-while-revalidate of a Cache-Control header, in seconds. */
function cacheControl (header: unknown): { maxAge: number, swr: number } {
  const match = /^public, max-age=(\d+), stale-while-revalidate(?:=(\d+))?$/.exec(String(header))
  if (match === null) throw new Error(`unexpected Cache-Control: ${String(header)}`)
  return { maxAge: Number(match[1]), swr: Number(match[2] ?? 0) }
}

t.test('the JWKS has only public members of asymmetric keys, at both paths', async t => {
  const { app } = await build(t, { env: { PUBLIC_URL } })
  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    await t.test(alg, async t => {
      const id = `jwks-${alg.toLowerCase()}`
      const tenant = await createTenant(app, es256Tenant(id, { alg }))
      // A second, pending-published key: the JWKS carries every key a verifier may meet.
      const rotated = await app.inject({ method: 'POST', url: `/v1/admin/tenants/${id}/keys/rotate`, headers: adminHeaders, payload: {} })
      t.equal(rotated.statusCode, 201)
      const res = await app.inject(`/v1/tenants/${id}/jwks.json`)
      t.equal(res.statusCode, 200)
      t.match(res.headers['content-type'], /^application\/json/)
      const { keys } = res.json() as { keys: Array<Record<string, unknown>> }
      t.same(keys.map(key => key.kid).sort(), [tenant.body.activeKid, rotated.json().key.kid].sort())
      for (const key of keys) {
        t.same(Object.keys(key).sort(), PUBLIC_MEMBERS[String(key.kty)], `${String(key.kty)} key has exactly the public members`)
        t.match(key, { kty: KTY[alg], kid: String, alg, use: 'sig' })
        for (const member of PRIVATE_MEMBERS) t.notOk(member in key, `no private member ${member}`)
      }
      const wellKnown = await app.inject(`/t/${id}/.well-known/jwks.json`)
      t.equal(wellKnown.body, res.body, 'the well-known path serves the same document')
      t.equal(wellKnown.headers.etag, res.headers.etag)

      // A token of the tenant carries the issuer and verifies against that JWKS alone.
      const issued = await issue(app, id, tenant.apiKey, { sub: 'u-1' })
      t.equal(issued.statusCode, 201)
      const { payload } = await jwtVerify(issued.json().token, createLocalJWKSet(res.json()), { issuer: `${PUBLIC_URL}/t/${id}` })
      t.equal(payload.iss, `${PUBLIC_URL}/t/${id}`)
    })
  }
})

t.test('HS256 tenants publish nothing; an unknown tenant is a 404 problem', async t => {
  const { app } = await build(t, { env: { PUBLIC_URL } })
  const tenant = await createTenant(app, { id: 'symmetric', profile: 'smooch' })
  const rotated = await app.inject({ method: 'POST', url: '/v1/admin/tenants/symmetric/keys/rotate', headers: adminHeaders, payload: { at: Math.floor(Date.now() / 1000) + 3600 } })
  t.equal(rotated.statusCode, 201, 'a second, pending secret')
  const res = await app.inject('/t/symmetric/.well-known/jwks.json')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { keys: [] })
  t.equal((await app.inject('/v1/tenants/symmetric/jwks.json')).body, res.body)
  const token = (await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })).json().token
  t.equal(decodeJwt(token).iss, undefined, 'HS256 tokens are shaped for their platform, without iss')

  for (const url of ['/v1/tenants/nobody/jwks.json', '/t/nobody/.well-known/jwks.json', '/t/nobody/.well-known/openid-configuration']) {
    const missing = await app.inject(url)
    t.equal(missing.statusCode, 404, url)
    t.match(missing.headers['content-type'], /^application\/problem\+json/)
    t.match(missing.json(), { status: 404, code: 'TENANT_NOT_FOUND', type: String, title: String, detail: String })
  }
})

t.test('ETag and If-None-Match, and a Cache-Control that lets no cache keep the JWKS longer than the prepublish', async t => {
  const clock = new FakeClock()
  const maxAges = [300, 60, 2]
  for (const jwksMaxAge of maxAges) {
    await t.test(`JWKS_MAX_AGE=${jwksMaxAge}`, async t => {
      const { app } = await build(t, { clock, env: { PUBLIC_URL, JWKS_MAX_AGE: String(jwksMaxAge) } })
      await createTenant(app, es256Tenant('cached'))
      const first = await app.inject('/v1/tenants/cached/jwks.json')
      const etag = first.headers.etag as string
      t.match(etag, /^"[A-Za-z0-9_-]+"$/)
      // max-age is jittered: look at many answers. A new key is published `jwksMaxAge` before it signs, so a
      // cache allowed to serve an older copy (max-age, then stale-while-revalidate) would reject its first tokens.
      const lifetimes = []
      for (let i = 0; i < 50; i++) lifetimes.push(cacheControl((await app.inject('/v1/tenants/cached/jwks.json')).headers['cache-control']))
      t.same(lifetimes.filter(({ maxAge, swr }) => maxAge > 300 || maxAge + swr > jwksMaxAge), [],
        `max-age is at most 300 and max-age + stale-while-revalidate at most ${jwksMaxAge}`)
      if (jwksMaxAge >= 10) {
        t.ok(lifetimes.every(({ maxAge, swr }) => maxAge > 0 && swr > 0), 'both lifetimes are used')
        t.ok(lifetimes.every(({ maxAge, swr }) => maxAge + swr < jwksMaxAge), 'with at least a second to spare')
      }

      const notModified = await app.inject({ url: '/t/cached/.well-known/jwks.json', headers: { 'if-none-match': etag } })
      t.equal(notModified.statusCode, 304)
      t.equal(notModified.body, '')
      t.equal(notModified.headers.etag, etag)
      t.ok(cacheControl(notModified.headers['cache-control']).maxAge <= 300)
      for (const header of [`W/${etag}`, `"something-else", ${etag}`, '*']) {
        const res = await app.inject({ url: '/v1/tenants/cached/jwks.json', headers: { 'if-none-match': header } })
        t.equal(res.statusCode, 304, `If-None-Match: ${header} (weak comparison, lists, any)`)
      }
      t.equal((await app.inject({ url: '/v1/tenants/cached/jwks.json', headers: { 'if-none-match': '"something-else"' } })).statusCode, 200)

      const rotated = await app.inject({ method: 'POST', url: '/v1/admin/tenants/cached/keys/rotate', headers: adminHeaders, payload: {} })
      t.equal(rotated.statusCode, 201)
      const changed = await app.inject({ url: '/v1/tenants/cached/jwks.json', headers: { 'if-none-match': etag } })
      t.equal(changed.statusCode, 200, 'a published key changes the document and its ETag')
      t.not(changed.headers.etag, etag)
      t.equal(changed.json().keys.length, 2)
    })
  }
})

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: string }

/** One HTTP/1.1 request over a real socket (fetch cannot send a GET with a body). */
function send (url: string, options: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

t.test('over a socket: the 200 and 304 headers, each answer counted under its route pattern', async t => {
  const { app, url } = await build(t, { listen: true })
  await createTenant(app, es256Tenant('wire'))
  for (const path of ['/v1/tenants/wire/jwks.json', '/t/wire/.well-known/jwks.json']) {
    const ok = await send(`${url}${path}`)
    t.equal(ok.status, 200, path)
    t.same(Object.keys(JSON.parse(ok.body)), ['keys'])
    t.match(ok.headers, {
      etag: /^"[A-Za-z0-9_-]{27}"$/,
      'cache-control': /^public, max-age=\d+, stale-while-revalidate=\d+$/,
      'access-control-allow-origin': '*',
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(ok.body))
    })
    t.equal((await send(`${url}${path}`)).body, ok.body, 'the same bytes again')

    const revalidated = await send(`${url}${path}`, { headers: { 'if-none-match': `W/${String(ok.headers.etag)}` } })
    t.equal(revalidated.status, 304)
    t.equal(revalidated.body, '')
    t.equal(revalidated.headers.etag, ok.headers.etag)
    t.match(revalidated.headers, { 'cache-control': /^public, max-age=\d+/, 'access-control-allow-origin': '*' })
    t.equal(revalidated.headers['content-type'], undefined, 'a 304 has no type')
    t.equal(revalidated.headers['content-length'], undefined, 'nor a length')
  }
  const metrics = (await app.inject({ url: '/metrics', headers: adminHeaders })).body
  t.match(metrics, /tokenmint_http_request_duration_seconds_count\{method="GET",route="\/t\/:tenant\/.well-known\/jwks.json",status_code="304"\} 1\n/)
  t.match(metrics, /tokenmint_http_request_duration_seconds_count\{method="GET",route="\/v1\/tenants\/:tenant\/jwks.json",status_code="200"\} 2\n/)
})

t.test('HEAD, a query string and a GET with a body are answered; a malformed or unknown tenant is not', async t => {
  const { app, url } = await build(t, { listen: true })
  await createTenant(app, es256Tenant('edges'))
  const cases: Array<[string, Parameters<typeof send>[1], number]> = [
    ['/t/edges/.well-known/jwks.json?fresh=1', {}, 200],
    ['/t/edges/.well-known/jwks.json', { method: 'HEAD' }, 200],
    ['/t/edges/.well-known/jwks.json', { headers: { 'content-type': 'application/json', 'content-length': '2' }, body: '{}' }, 200],
    ['/t/nobody/.well-known/jwks.json', {}, 404],
    ['/t/Edges/.well-known/jwks.json', {}, 400],
    ['/t/edges/extra/.well-known/jwks.json', {}, 404]
  ]
  for (const [path, options, status] of cases) {
    t.equal((await send(`${url}${path}`, options)).status, status, `${options?.method ?? 'GET'} ${path}`)
  }
})

t.test('a tenant not cached yet is read from the store once, then answered from the cache', async t => {
  const { app, url } = await build(t, { listen: true })
  await createTenant(app, es256Tenant('cold'))
  app.tokenmint.cache.drop('cold')
  const { misses } = app.tokenmint.cache.stats
  const first = await send(`${url}/v1/tenants/cold/jwks.json`)
  t.equal(first.status, 200)
  t.equal(app.tokenmint.cache.stats.misses, misses + 1, 'the first request reads the store')
  t.equal((await send(`${url}/v1/tenants/cold/jwks.json`)).body, first.body)
  t.equal(app.tokenmint.cache.stats.misses, misses + 1, 'the next one is answered from the cache')
})

t.test('at every log level the JWKS goes through Fastify\'s router and hooks, and logs its request only where the level says', async t => {
  for (const level of ['silent', 'warn', 'info']) {
    await t.test(level, async t => {
      const lines: string[] = []
      const stream = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
      const app = await buildApp({
        config: loadConfig({ ADMIN_TOKEN, MASTER_KEY, LOG_LEVEL: level }),
        logger: { level, stream, redact: { paths: REDACT, censor: '[redacted]' } },
        scheduler: false
      })
      let hooked = 0
      app.addHook('onRequest', async () => { hooked++ })
      t.teardown(async () => { await app.close() })
      const url = await app.listen({ port: 0, host: '127.0.0.1' })
      await createTenant(app, es256Tenant('logged'))
      const before = { hooked, lines: lines.length }
      t.equal((await send(`${url}/t/logged/.well-known/jwks.json`)).status, 200)
      t.equal(hooked, before.hooked + 1, 'the onRequest hook saw it')
      const logged = lines.slice(before.lines).filter(line => line.includes('/t/logged/.well-known/jwks.json'))
      t.equal(logged.length, level === 'info' ? 1 : 0, `the incoming request is logged at info only (${level})`)
    })
  }
})

t.test('OIDC discovery names the issuer that asymmetric tokens carry', async t => {
  const { app } = await build(t, { env: { PUBLIC_URL } })
  const tenant = await createTenant(app, es256Tenant('oidc'))
  const res = await app.inject('/t/oidc/.well-known/openid-configuration')
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.equal(doc.issuer, `${PUBLIC_URL}/t/oidc`)
  t.equal(doc.jwks_uri, `${PUBLIC_URL}/t/oidc/.well-known/jwks.json`)
  t.same(doc.id_token_signing_alg_values_supported, ['ES256'])
  const maxAge = /^public, max-age=(\d+)$/.exec(String(res.headers['cache-control']))?.[1]
  t.ok(maxAge !== undefined && Number(maxAge) <= 300, `discovery is cacheable for at most 300 s (${String(res.headers['cache-control'])})`)
  const token = (await issue(app, tenant.id, tenant.apiKey, { sub: 'u-1' })).json().token
  t.equal(decodeJwt(token).iss, doc.issuer)
})

/**
 * A verifier such as a chat platform runs: it finds the JWKS through discovery and keeps it as long as
 * the JWKS response's Cache-Control allows, by the test's clock: fresh for max-age, then served stale
 * for stale-while-revalidate while it refetches (RFC 5861). It never refetches on an unknown kid: the
 * strictest verifier, the one a prepublished key exists for.
 */
class CachingVerifier {
  fetches = 0
  private fetchedAt = -Infinity
  private maxAge = 0
  private swr = 0
  private readonly keys: ReturnType<typeof createRemoteJWKSet>

  constructor (jwksUri: string, private readonly clock: FakeClock, private readonly issuer: string) {
    this.keys = createRemoteJWKSet(new URL(jwksUri), {
      cacheMaxAge: Infinity,
      cooldownDuration: Infinity,
      [customFetch]: async (url, init) => {
        const res = await fetch(url, init)
        const { maxAge, swr } = cacheControl(res.headers.get('cache-control'))
        this.maxAge = maxAge
        this.swr = swr
        this.fetchedAt = this.clock.now
        this.fetches++
        return res
      }
    })
  }

  static async discover (baseUrl: string, tenant: string, clock: FakeClock): Promise<CachingVerifier> {
    const doc = await (await fetch(`${baseUrl}/t/${tenant}/.well-known/openid-configuration`)).json() as { issuer: string, jwks_uri: string }
    return new CachingVerifier(doc.jwks_uri, clock, doc.issuer)
  }

  /** Resolves with the kid, or rejects as the platform would refuse the token. */
  async verify (token: string): Promise<string> {
    const age = this.clock.now - this.fetchedAt
    if (age >= (this.maxAge + this.swr) * SECOND) await this.keys.reload()
    const stale = age >= this.maxAge * SECOND && age < (this.maxAge + this.swr) * SECOND
    try {
      const getKey: JWTVerifyGetKey = this.keys
      const { protectedHeader } = await jwtVerify(token, getKey, { issuer: this.issuer, currentDate: new Date(this.clock.now) })
      return String(protectedHeader.kid)
    } finally {
      // Served stale: revalidated after the answer (awaited here so the run stays deterministic).
      if (stale) await this.keys.reload()
    }
  }
}

interface RunResult {
  verified: number
  failures: string[]
  kids: Map<string, number>
  warnings: string[]
}

/**
 * Issues tokens every `step` of fake time for `steps` steps and has two verifiers check each one:
 * one that has cached the JWKS since the start, and one that fetched it just before the rotation
 * (the worst case). The rotation runs at step 2, concurrently with a batch of issuance.
 */
async function rotateUnderTraffic (t: Test, rotateBody: Record<string, unknown>): Promise<RunResult> {
  const clock = new FakeClock()
  const { app, url } = await build(t, { clock, listen: true })
  const tenant = await createTenant(app, es256Tenant('rotating'))
  const early = await CachingVerifier.discover(url, tenant.id, clock)
  let late: CachingVerifier | undefined
  const result: RunResult = { verified: 0, failures: [], kids: new Map(), warnings: [] }
  const STEP = 30 * SECOND
  const PER_STEP = 4

  const batch = async (): Promise<string[]> => await Promise.all(Array.from({ length: PER_STEP }, async (_, i) => {
    const res = await issue(app, tenant.id, tenant.apiKey, { sub: `user-${i}` })
    if (res.statusCode !== 201) throw new Error(`issuing failed: ${res.statusCode} ${res.body}`)
    return res.json().token as string
  }))
  const check = async (tokens: string[]): Promise<void> => {
    for (const token of tokens) {
      for (const [name, verifier] of [['early', early], ['late', late]] as const) {
        if (verifier === undefined) continue
        try {
          const kid = await verifier.verify(token)
          result.verified++
          result.kids.set(kid, (result.kids.get(kid) ?? 0) + 1)
        } catch (err) {
          result.failures.push(`${name} verifier at +${(clock.now - start) / SECOND} s: ${(err as Error).message}`)
        }
      }
    }
  }

  const start = clock.now
  for (let step = 0; step <= 20; step++) {
    if (step === 2) {
      late = await CachingVerifier.discover(url, tenant.id, clock)
      await check(await batch())
      const [rotated, tokens] = await Promise.all([
        app.inject({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys/rotate`, headers: adminHeaders, payload: rotateBody }),
        batch()
      ])
      t.equal(rotated.statusCode, 201, rotated.body)
      result.warnings = rotated.json().warnings
      await check(tokens)
    } else {
      await check(await batch())
    }
    clock.advance(STEP)
  }
  return result
}

t.test('a verifier that honours Cache-Control sees no failure across a rotation with the default prepublish', async t => {
  const result = await rotateUnderTraffic(t, {})
  t.same(result.warnings, [])
  t.same(result.failures, [], 'every token verified')
  const tokens = 21 * 4 + 4
  t.equal(result.verified, 2 * tokens - 2 * 4, 'every token was checked by both verifiers (the late one from step 2)')
  t.equal(result.kids.size, 2, 'both keys signed tokens')
  for (const [kid, count] of result.kids) t.ok(count > 0, `${kid} verified ${count} times`)
})

t.test('the same verifier rejects the new key\'s first tokens when it is not prepublished', async t => {
  const result = await rotateUnderTraffic(t, { prepublish: 0 })
  t.equal(result.warnings.length, 1, 'the operator was warned')
  t.ok(result.failures.length > 0, 'the late verifier did not know the new kid')
  t.ok(result.failures.some(failure => /^late verifier .*no applicable key/.test(failure)), result.failures[0])
})
