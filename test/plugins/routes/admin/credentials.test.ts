// Scoped credentials: shown once, stored as a digest, listed with their last use, refused once expired or deleted; whoami.
import { createHash } from 'node:crypto'
import t from 'tap'
import { TOUCH_INTERVAL_MS } from '../../../../src/access/authenticator.js'
import { ADMIN_TOKEN, build, FakeClock } from '../../../helpers/build.js'
import { createCredential, requestAs } from '../../../helpers/access.js'

t.test('a credential is shown once as tmo_<id>_<secret>, stored only as the SHA-256 of its secret', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock })
  const res = await admin('POST', '/v1/admin/credentials', { name: 'deploy bot', role: 'operator' })
  t.equal(res.statusCode, 201, res.body)
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  t.match(body, { name: 'deploy bot', role: 'operator', tenants: null, createdAt: new Date(clock.now).toISOString(), expiresAt: null })
  t.match(body.token, /^tmo_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/)
  t.equal(body.token.slice(4, 20), body.id)
  const secret = body.token.slice(21)
  const stored = await app.tokenmint.store.getCredential(body.id)
  t.equal(stored?.hash, createHash('sha256').update(secret).digest('hex'), 'the digest of the secret')
  t.notOk(JSON.stringify(stored).includes(secret), 'never the secret itself')

  const list = await admin('GET', '/v1/admin/credentials')
  t.equal(list.statusCode, 200)
  t.same(list.json(), { items: [{ id: body.id, name: 'deploy bot', role: 'operator', tenants: null, createdAt: body.createdAt, expiresAt: null, lastUsedAt: null }], nextCursor: null })
  t.notOk(list.body.includes(secret), 'the list never holds a token')

  const whoami = await requestAs(app, body.token, 'GET', '/v1/admin/whoami')
  t.same(whoami.json(), { id: body.id, name: 'deploy bot', role: 'operator', tenants: null })
  t.same((await admin('GET', '/v1/admin/whoami')).json(), { id: 'root', name: 'root', role: 'admin', tenants: null }, 'ADMIN_TOKEN is root')
})

t.test('tenants are required for tenant-admin and refused for the other roles; expiresAt must lie ahead', async t => {
  const clock = new FakeClock()
  const { admin } = await build(t, { clock })
  const cases = [
    { payload: { name: 'x', role: 'tenant-admin' }, path: '/tenants' },
    { payload: { name: 'x', role: 'tenant-admin', tenants: [] }, path: '/tenants' },
    { payload: { name: 'x', role: 'operator', tenants: ['acme'] }, path: '/tenants' },
    { payload: { name: 'x', role: 'auditor', expiresAt: clock.now / 1000 - 1 }, path: '/expiresAt' },
    { payload: { name: 'x', role: 'auditor', expiresAt: 'tomorrow' }, path: '/expiresAt' },
    { payload: { name: 'x', role: 'owner' }, path: '/role' },
    { payload: { role: 'admin' }, path: '/name' }
  ]
  for (const { payload, path } of cases) {
    const res = await admin('POST', '/v1/admin/credentials', payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(res.json(), { code: 'VALIDATION_FAILED', errors: [{ path }] }, `names ${path}`)
  }
  const scoped = await admin('POST', '/v1/admin/credentials', { name: 'acme team', role: 'tenant-admin', tenants: ['acme-eu', 'acme', 'acme'] })
  t.same(scoped.json().tenants, ['acme', 'acme-eu'], 'each tenant once, sorted')
})

t.test('an expired, deleted, malformed or forged credential is 401', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock })
  const expiring = await createCredential(app, 'auditor', undefined, { expiresAt: new Date(clock.now + 60_000).toISOString() })
  t.equal((await requestAs(app, expiring.token, 'GET', '/v1/admin/whoami')).statusCode, 200, 'before its expiry')
  clock.advance(60_000)
  const expired = await requestAs(app, expiring.token, 'GET', '/v1/admin/whoami')
  t.equal(expired.statusCode, 401)
  t.equal(expired.json().code, 'UNAUTHORIZED')

  const deleted = await createCredential(app, 'admin')
  t.equal((await requestAs(app, deleted.token, 'GET', '/v1/admin/tenants')).statusCode, 200)
  t.equal((await admin('DELETE', `/v1/admin/credentials/${deleted.id}`)).statusCode, 204)
  t.equal((await requestAs(app, deleted.token, 'GET', '/v1/admin/tenants')).statusCode, 401, 'refused at once')
  t.equal((await admin('DELETE', `/v1/admin/credentials/${deleted.id}`)).json().code, 'CREDENTIAL_NOT_FOUND')

  const live = await createCredential(app, 'admin')
  const forged = `${live.token.slice(0, 21)}${'A'.repeat(43)}`
  for (const token of [forged, 'tmo_0123456789abcdef_short', `${ADMIN_TOKEN}x`, 'tm_acme_0123456789abcdef_secret']) {
    t.equal((await requestAs(app, token, 'GET', '/v1/admin/whoami')).statusCode, 401, token.slice(0, 24))
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/admin/whoami' })).statusCode, 401, 'nothing presented')
})

t.test('lastUsedAt is written off the request path, at most once a minute per instance', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock })
  const made = await createCredential(app, 'auditor')
  const lastUse = async (): Promise<string | null> => (await admin('GET', '/v1/admin/credentials')).json().items[0].lastUsedAt
  const first = clock.now
  await requestAs(app, made.token, 'GET', '/v1/admin/whoami')
  await app.tokenmint.store.ready()
  t.equal(await lastUse(), new Date(first).toISOString())
  clock.advance(TOUCH_INTERVAL_MS - 1)
  await requestAs(app, made.token, 'GET', '/v1/admin/whoami')
  await app.tokenmint.store.ready()
  t.equal(await lastUse(), new Date(first).toISOString(), 'not again within the minute')
  clock.advance(1)
  await requestAs(app, made.token, 'GET', '/v1/admin/whoami')
  await app.tokenmint.store.ready()
  t.equal(await lastUse(), new Date(clock.now).toISOString(), 'once the minute has passed')
})

t.test('actions are audited with the actor and its name; credential creation and deletion too; ?actor= filters', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock })
  const ops = await createCredential(app, 'operator')
  clock.advance(1000)
  t.equal((await requestAs(app, ops.token, 'POST', '/v1/admin/tenants', { id: 'acme', name: 'Acme', profile: 'smooch' })).statusCode, 201)
  clock.advance(1000)
  t.equal((await admin('DELETE', `/v1/admin/credentials/${ops.id}`)).statusCode, 204)
  const log = (await admin('GET', '/v1/admin/audit')).json().items
  t.same(log.map((e: any) => [e.action, e.actor, e.actorName, e.tenant]), [
    ['credential.delete', 'root', 'root', ''],
    ['tenant.create', ops.id, 'operator credential', 'acme'],
    ['credential.create', 'root', 'root', '']
  ])
  t.equal(log[0].kid, ops.id, 'the credential is named')
  const byOps = (await admin('GET', `/v1/admin/audit?actor=${ops.id}`)).json().items
  t.same(byOps.map((e: any) => e.action), ['tenant.create'])
  t.same((await admin('GET', '/v1/admin/audit?actor=root&tenant=acme')).json().items, [])
})
