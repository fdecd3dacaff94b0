// The per-tenant rate limit is counted by the store (in Redis every instance shares it), and a store failure never blocks issuance.
import t from 'tap'
import { build, storeReady, twoInstances } from '../../helpers/build.js'
import { startRedis } from '../../helpers/redis-server.js'
import { createTenant, issue } from '../../helpers/tenants.js'

t.test('two instances on one Redis share a limit of 20 per minute exactly', async t => {
  const { a, b } = await twoInstances(t)
  const tenant = await createTenant(a.app, { id: 'limited', profile: 'smooch', rateLimit: { max: 20, timeWindow: '1 minute' } })
  const statuses: number[] = []
  let limited: Awaited<ReturnType<typeof issue>> | undefined
  for (let i = 0; i < 30; i++) {
    const res = await issue(i % 2 === 0 ? a.app : b.app, tenant.id, tenant.apiKey, { userId: `u${i}` })
    statuses.push(res.statusCode)
    if (res.statusCode === 429) limited = res
  }
  t.equal(statuses.filter(s => s === 201).length, 20)
  t.equal(statuses.filter(s => s === 429).length, 10)
  t.same(statuses.slice(0, 20), Array(20).fill(201), 'the first 20 pass, whichever instance took them')
  t.ok(limited)
  if (limited !== undefined) {
    t.equal(limited.json().code, 'RATE_LIMITED')
    t.match(limited.headers['content-type'], /^application\/problem\+json/)
    t.equal(limited.headers['x-ratelimit-limit'], '20')
    t.equal(limited.headers['x-ratelimit-remaining'], '0')
    t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60)
    t.ok(Number(limited.headers['x-ratelimit-reset']) > 0)
  }
})

t.test('when Redis fails, the limiter lets cached tenants through instead of hanging', async t => {
  const redis = await startRedis(t)
  const { app } = await build(t, { redisUrl: redis.url })
  await storeReady(app)
  const tenant = await createTenant(app, { id: 'open-on-failure', profile: 'smooch', rateLimit: { max: 5, timeWindow: 60000 } })
  t.equal((await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })).statusCode, 201)
  await redis.kill()
  const started = Date.now()
  const res = await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })
  t.equal(res.statusCode, 201, 'the cached tenant still gets a token')
  t.ok(Date.now() - started < 5000, 'and it did not hang')
})

t.test('on the embedded store a tenant has one count, shared by issuance and verification, apart from other tenants', async t => {
  const { app } = await build(t)
  const limited = await createTenant(app, { id: 'limited-here', profile: 'smooch', rateLimit: { max: 3, timeWindow: '1 minute' } })
  const other = await createTenant(app, { id: 'other-here', profile: 'smooch', rateLimit: { max: 3, timeWindow: '1 minute' } })
  const first = await issue(app, limited.id, limited.apiKey, { userId: 'u1' })
  t.equal(first.statusCode, 201)
  t.equal(first.headers['x-ratelimit-remaining'], '2')
  const verified = await app.inject({
    method: 'POST',
    url: `/v1/tenants/${limited.id}/tokens/verify`,
    headers: { authorization: `Bearer ${limited.apiKey}` },
    payload: { token: first.json().token }
  })
  t.equal(verified.statusCode, 200)
  t.equal(verified.headers['x-ratelimit-remaining'], '1', 'verification counts against the same limit')
  t.equal((await issue(app, limited.id, limited.apiKey, { userId: 'u2' })).statusCode, 201)
  const refused = await issue(app, limited.id, limited.apiKey, { userId: 'u3' })
  t.equal(refused.statusCode, 429)
  t.equal(refused.json().code, 'RATE_LIMITED')
  t.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 60)
  t.equal((await issue(app, other.id, other.apiKey, { userId: 'u' })).statusCode, 201, 'another tenant keeps its own count')
})
