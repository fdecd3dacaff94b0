// Propagation-gated activation through the admin API and the gate's ticks: held, released, released at activateBy, on time without verifiers, periodic rotation, two instances, and end to end in real time.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { build, FakeClock, storeReady, type TestApp } from '../../helpers/build.js'
import { es256Tenant, signingKid } from '../../helpers/key-lifecycle.js'
import { startRedis, uniquePrefix } from '../../helpers/redis-server.js'
import { createTenant } from '../../helpers/tenants.js'

const SECOND = 1000
const PREPUBLISH = 300

async function fetchJwks (app: FastifyInstance, userAgent: string): Promise<void> {
  const res = await app.inject({ url: '/t/acme/.well-known/jwks.json', headers: { 'user-agent': userAgent } })
  if (res.statusCode !== 200) throw new Error(`JWKS answered ${res.statusCode}`)
  await app.tokenmint.verifiers.flush()
}

async function keyOf (test: TestApp, kid: string): Promise<Record<string, any>> {
  const items = (await test.admin('GET', '/v1/admin/tenants/acme/keys')).json().items as Array<Record<string, any>>
  const key = items.find(item => item.kid === kid)
  if (key === undefined) throw new Error(`no key ${kid}`)
  return key
}

/** Resolves once `condition` holds, looking again at each change notice of the store. */
async function until (test: TestApp, condition: () => Promise<boolean>): Promise<void> {
  for (;;) {
    const changed = new Promise<void>(resolve => { const off = test.app.tokenmint.store.onChange(() => { off(); resolve() }) })
    if (await condition()) return
    await changed
  }
}

async function actions (test: TestApp): Promise<string[]> {
  return (await test.admin('GET', '/v1/admin/audit?tenant=acme')).json().items.map((entry: { action: string }) => entry.action)
}

/** A tenant whose one verifier holds only the first key, and a gated rotation: the new kid and its planned activation. */
async function gatedRotation (t: Parameters<typeof build>[0], test: TestApp, clock: FakeClock, body: Record<string, unknown> = {}): Promise<{ apiKey: string, first: string, next: string, plannedAt: number }> {
  const tenant = await createTenant(test.app, es256Tenant('acme'))
  await fetchJwks(test.app, 'gateway')
  const rotated = await test.admin('POST', '/v1/admin/tenants/acme/keys/rotate', { waitForVerifiers: true, maxDelay: 3600, prepublish: PREPUBLISH, ...body })
  t.equal(rotated.statusCode, 201, rotated.body)
  const key = rotated.json().key
  t.equal(key.activateBy, new Date(Date.parse(key.activateAt) + 3600 * SECOND).toISOString(), 'the deadline is maxDelay after the planned time')
  return { apiKey: tenant.apiKey, first: tenant.body.activeKid, next: key.kid, plannedAt: Date.parse(key.activateAt) }
}

t.test('held while a verifier lacks the key, released at the next look after it fetches', async t => {
  const clock = new FakeClock()
  const test = await build(t, { clock })
  const { apiKey, first, next, plannedAt } = await gatedRotation(t, test, clock)
  const gate = test.app.tokenmint.gate

  clock.now = plannedAt - 3 * SECOND
  t.equal(await gate.tick(), 0, 'before the lookahead nothing is written')
  clock.now = plannedAt - SECOND
  t.equal(await gate.tick(), 1, 'one postponement')
  let key = await keyOf(test, next)
  t.same({ state: key.state, activateAt: key.activateAt, activateBy: key.activateBy, verifiers: key.verifiers },
    { state: 'pending', activateAt: key.activateBy, activateBy: key.activateBy, verifiers: { seen: 1, withKey: 0 } }, 'activateAt moved to the deadline')
  clock.now = plannedAt + 60 * SECOND
  t.equal(await signingKid(test.app, 'acme', apiKey), first, 'past the planned time tokens keep the old kid')
  t.equal(await gate.tick(), 0, 'still held')

  await fetchJwks(test.app, 'gateway')
  t.equal(await gate.tick(), 1, 'released at the first look after the fetch was recorded')
  key = await keyOf(test, next)
  t.same({ state: key.state, activateAt: key.activateAt, verifiers: key.verifiers }, { state: 'active', activateAt: new Date(clock.now).toISOString(), verifiers: { seen: 1, withKey: 1 } })
  t.equal(await signingKid(test.app, 'acme', apiKey), next)
  t.same((await actions(test)).slice(0, 3), ['key.activate', 'key.postpone', 'key.rotate'], 'the postponement and the activation are audited')
  t.equal(await gate.tick(), 0, 'a settled key is not looked at again')
  t.match((await test.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${test.config.adminToken}` } })).body, /tokenmint_activations_postponed_total 1\b/)
})

t.test('released at activateBy when the verifier never fetches', async t => {
  const clock = new FakeClock()
  const test = await build(t, { clock })
  const { apiKey, next, plannedAt } = await gatedRotation(t, test, clock)
  clock.now = plannedAt - SECOND
  await test.app.tokenmint.gate.tick()
  const deadline = plannedAt + 3600 * SECOND
  clock.now = deadline - 1
  t.equal((await keyOf(test, next)).state, 'pending')
  clock.now = deadline
  t.equal((await keyOf(test, next)).state, 'active', 'at activateBy it is active, derived from the stored time alone')
  t.equal(await signingKid(test.app, 'acme', apiKey), next)
  t.equal(await test.app.tokenmint.gate.tick(), 1, 'the gate settles it')
  t.same((await actions(test)).slice(0, 2), ['key.activate', 'key.postpone'])
})

t.test('on time when no verifier has been seen', async t => {
  const clock = new FakeClock()
  const test = await build(t, { clock })
  const tenant = await createTenant(test.app, es256Tenant('acme'))
  const rotated = await test.admin('POST', '/v1/admin/tenants/acme/keys/rotate', { waitForVerifiers: true })
  t.equal(rotated.statusCode, 201)
  const { kid, activateAt, activateBy } = rotated.json().key
  t.equal(Date.parse(activateBy) - Date.parse(activateAt), 86_400 * SECOND, 'maxDelay defaults to one day')
  clock.now = Date.parse(activateAt) - SECOND
  t.equal(await test.app.tokenmint.gate.tick(), 0, 'nothing to hold')
  clock.now = Date.parse(activateAt)
  t.equal(await signingKid(test.app, 'acme', tenant.apiKey), kid, 'active at its planned time')
  t.equal(await test.app.tokenmint.gate.tick(), 1, 'settled')
  t.equal((await keyOf(test, kid)).activateAt, activateAt, 'its time unchanged')
})

t.test('the gate options are refused where they cannot apply', async t => {
  const { app, admin } = await build(t)
  await createTenant(app, es256Tenant('acme'))
  await createTenant(app, es256Tenant('shared', { alg: 'HS256' }))
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['acme', { maxDelay: 60 }, '/maxDelay'],
    ['acme', { waitForVerifiers: true, revokeActive: true }, '/waitForVerifiers'],
    ['shared', { waitForVerifiers: true }, '/waitForVerifiers']
  ]
  for (const [tenant, body, path] of cases) {
    const res = await admin('POST', `/v1/admin/tenants/${tenant}/keys/rotate`, body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.match(res.json().errors, [{ path }])
  }
})

t.test('periodic rotation with waitForVerifiers gates each new version', async t => {
  const clock = new FakeClock()
  const test = await build(t, { clock, env: { ROTATION_MIN_PERIOD: '60' } })
  await createTenant(test.app, es256Tenant('acme'))
  await fetchJwks(test.app, 'gateway')
  const set = await test.admin('PUT', '/v1/admin/tenants/acme/rotation', { every: 3600, prepublish: PREPUBLISH, waitForVerifiers: true, maxDelay: 600 })
  t.equal(set.statusCode, 200, set.body)
  t.match(set.json().rotation, { waitForVerifiers: true, maxDelay: 600 })
  clock.advance((3600 - PREPUBLISH) * SECOND)
  t.equal(await test.app.tokenmint.scheduler.tick(), 1)
  const items = (await test.admin('GET', '/v1/admin/tenants/acme/keys')).json().items as Array<Record<string, any>>
  const created = items[items.length - 1]
  t.equal(Date.parse(created.activateBy) - Date.parse(created.activateAt), 600 * SECOND)
  clock.now = Date.parse(created.activateAt) - SECOND
  t.equal(await test.app.tokenmint.gate.tick(), 1, 'the periodic version is held too')
  t.equal((await keyOf(test, created.kid)).activateAt, created.activateBy)
})

t.test('two instances on one Redis: exactly one postpones and one releases', async t => {
  const clock = new FakeClock()
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const a = await build(t, { redisUrl: redis.url, prefix, clock })
  const b = await build(t, { redisUrl: redis.url, prefix, clock })
  await storeReady(a.app)
  await storeReady(b.app)
  const { plannedAt } = await gatedRotation(t, a, clock)
  clock.now = plannedAt - SECOND
  const postponed = await Promise.all([a.app.tokenmint.gate.tick(), b.app.tokenmint.gate.tick()])
  t.equal(postponed[0] + postponed[1], 1, 'one postponement between them')
  clock.advance(10 * SECOND)
  await fetchJwks(b.app, 'gateway')
  const released = await Promise.all([a.app.tokenmint.gate.tick(), b.app.tokenmint.gate.tick()])
  t.equal(released[0] + released[1], 1, 'one release between them')
  t.same((await actions(a)).filter(action => action === 'key.postpone' || action === 'key.activate'), ['key.activate', 'key.postpone'], 'audited once each')
})

t.test('end to end, real time: the key activates within 2 s of the last verifier fetching it', async t => {
  const redis = await startRedis(t)
  const test = await build(t, { redisUrl: redis.url, scheduler: true })
  await storeReady(test.app)
  await createTenant(test.app, es256Tenant('acme'))
  await test.app.inject({ url: '/t/acme/.well-known/jwks.json', headers: { 'user-agent': 'gateway' } })
  const rotated = await test.admin('POST', '/v1/admin/tenants/acme/keys/rotate', { waitForVerifiers: true, maxDelay: 600, prepublish: 5, at: new Date(Date.now() + 2500).toISOString() })
  t.equal(rotated.statusCode, 201)
  const kid = rotated.json().key.kid as string
  t.equal(rotated.json().key.published, true, 'published at once, so the next fetch can get it')
  // The gate acts within its lookahead before the planned time: wait for the postponement.
  await until(test, async () => (await keyOf(test, kid)).activateAt === rotated.json().key.activateBy)
  t.equal((await keyOf(test, kid)).state, 'pending', 'held past its planned time')
  const fetchedAt = Date.now()
  await test.app.inject({ url: '/t/acme/.well-known/jwks.json', headers: { 'user-agent': 'gateway' } })
  await until(test, async () => (await keyOf(test, kid)).state === 'active')
  const activatedAt = Date.parse((await keyOf(test, kid)).activateAt)
  t.ok(activatedAt - fetchedAt <= 2000, `active ${activatedAt - fetchedAt} ms after the fetch`)
})
