// Failed admin sign-ins are limited per client address, across instances: 429 TOO_MANY_FAILURES with Retry-After.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { MemoryStore } from '../../../src/store/memory-store.js'
import { ADMIN_TOKEN, build, FakeClock, storeReady } from '../../helpers/build.js'
import { startRedis, uniquePrefix } from '../../helpers/redis-server.js'
import { createTenant } from '../../helpers/tenants.js'

const attempt = async (app: FastifyInstance, address: string, token: string) =>
  await app.inject({ method: 'GET', url: '/v1/admin/whoami', remoteAddress: address, headers: { authorization: `Bearer ${token}` } })

t.test('more than AUTH_FAILURES_MAX failures from one address, on any instance, answer 429 to it whatever it presents', async t => {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const env = { AUTH_FAILURES_MAX: '3' }
  const a = await build(t, { redisUrl: redis.url, prefix, env })
  const b = await build(t, { redisUrl: redis.url, prefix, env })
  await storeReady(a.app)
  await storeReady(b.app)
  const bad = 'tmo_0123456789abcdef_' + 'x'.repeat(43)

  t.equal((await attempt(a.app, '10.0.0.1', bad)).statusCode, 401)
  t.equal((await attempt(a.app, '10.0.0.1', 'not-the-admin-token')).statusCode, 401)
  t.equal((await attempt(b.app, '10.0.0.1', bad)).statusCode, 401, 'the third failure, on the other instance: still 401')
  const fourth = await attempt(b.app, '10.0.0.1', bad)
  t.equal(fourth.statusCode, 429, 'the fourth, counted with the other instance\'s')
  t.equal(fourth.json().code, 'TOO_MANY_FAILURES')
  const retryAfter = Number(fourth.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`)

  const valid = await attempt(a.app, '10.0.0.1', ADMIN_TOKEN)
  t.equal(valid.statusCode, 429, 'the root token too, from that address')
  t.ok(Number(valid.headers['retry-after']) >= 1)
  t.equal((await attempt(a.app, '10.0.0.2', ADMIN_TOKEN)).statusCode, 200, 'another address is not limited')
  t.equal((await attempt(b.app, '10.0.0.1', ADMIN_TOKEN)).statusCode, 429, 'a success elsewhere resets nothing')
  t.equal((await a.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1' })).statusCode, 200, 'only admin authentication is limited')
  // Issuance never passes through the admin guard: a tenant backend behind the blocked address still issues.
  const tenant = await createTenant(a.app, { id: 'issuing', profile: 'smooch' })
  const issued = await a.app.inject({ method: 'POST', url: '/v1/tenants/issuing/tokens', remoteAddress: '10.0.0.1', headers: { authorization: `Bearer ${tenant.apiKey}` }, payload: { userId: 'u1' } })
  t.equal(issued.statusCode, 201, issued.body)
})

t.test('the limit ends with its 60 s window; a request with no credential at all is no failure', async t => {
  const clock = new FakeClock()
  const { app } = await build(t, { clock, sharedStore: new MemoryStore({ clock: clock.read }), env: { AUTH_FAILURES_MAX: '1' } })
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ method: 'GET', url: '/v1/admin/whoami', remoteAddress: '10.0.0.9' })).statusCode, 401)
  t.equal((await attempt(app, '10.0.0.9', ADMIN_TOKEN)).statusCode, 200, 'nothing presented five times counted nothing')
  t.equal((await attempt(app, '10.0.0.9', 'wrong')).statusCode, 401)
  t.equal((await attempt(app, '10.0.0.9', 'wrong')).statusCode, 429)
  clock.advance(59_999)
  t.equal((await attempt(app, '10.0.0.9', ADMIN_TOKEN)).statusCode, 429)
  clock.advance(1)
  t.equal((await attempt(app, '10.0.0.9', ADMIN_TOKEN)).statusCode, 200, 'the window has ended')
})
