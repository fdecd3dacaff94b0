// The key lifecycle through the routes: every state of a rotation, revocation in each state, on one and on two instances.
import { importSPKI, jwtVerify } from 'jose'
import t, { type Test } from 'tap'
import { build, FakeClock, storeReady, twoInstances, type TestApp } from '../../../helpers/build.js'
import { es256Tenant, jwksKids, keyList, keyStates, nextChange, signingKid } from '../../../helpers/key-lifecycle.js'
import { adminHeaders, createTenant, issue, type CreatedTenant } from '../../../helpers/tenants.js'

const SECOND = 1000
/** The rotation every case schedules: the new key activates 1000 s later and is published 300 s before that. */
const ACTIVATE_IN = 1000 * SECOND
const PREPUBLISH = 300
/** maxTtl 600 + clockSkew 0 + JWKS max-age 300. */
const RETIRING = 900 * SECOND

interface Rotation {
  app: TestApp
  clock: FakeClock
  tenant: CreatedTenant
  k1: string
  k2: string
  /** Epoch ms the rotation was scheduled at. */
  start: number
}

/** A fresh app with its own clock, an ES256 tenant (key k1) and a rotation to k2 scheduled ACTIVATE_IN from now. */
async function scheduledRotation (t: Test, id: string): Promise<Rotation> {
  const clock = new FakeClock()
  const app = await build(t, { clock })
  const tenant = await createTenant(app.app, es256Tenant(id))
  const k1 = tenant.body.activeKid as string
  const start = clock.now
  const rotated = await app.admin('POST', `/v1/admin/tenants/${id}/keys/rotate`, { at: new Date(start + ACTIVATE_IN).toISOString(), prepublish: PREPUBLISH })
  t.equal(rotated.statusCode, 201, rotated.body)
  const body = rotated.json()
  t.same(body.warnings, [], 'a prepublish equal to the JWKS max-age draws no warning')
  t.equal(body.key.publishAt, new Date(start + ACTIVATE_IN - PREPUBLISH * SECOND).toISOString())
  t.equal(body.key.activateAt, new Date(start + ACTIVATE_IN).toISOString())
  return { app, clock, tenant, k1, k2: body.key.kid, start }
}

interface Seen {
  jwks: string[]
  states: Record<string, string>
  published: Record<string, boolean>
  signs: string
}

async function seen (r: Rotation): Promise<Seen> {
  const list = await keyList(r.app.app, r.tenant.id)
  return {
    jwks: (await jwksKids(r.app.app, r.tenant.id)).sort(),
    states: Object.fromEntries(Object.values(list).map(key => [key.kid, key.state])),
    published: Object.fromEntries(Object.values(list).map(key => [key.kid, key.published])),
    signs: await signingKid(r.app.app, r.tenant.id, r.tenant.apiKey)
  }
}

/** Moves the rotation's clock to `offset` ms after it was scheduled. */
function at (r: Rotation, offset: number): void {
  r.clock.now = r.start + offset
}

async function revoke (r: Rotation, kid: string): Promise<{ statusCode: number, body: any }> {
  const res = await r.app.admin('POST', `/v1/admin/tenants/${r.tenant.id}/keys/${kid}/revoke`)
  return { statusCode: res.statusCode, body: res.json() }
}

t.test('a whole ES256 rotation: each state as the JWKS, the key list and the signer see it', async t => {
  const r = await scheduledRotation(t, 'walk')
  const { k1, k2 } = r
  const sorted = (...kids: string[]): string[] => kids.sort()

  t.same(await seen(r), { jwks: [k1], states: { [k1]: 'active', [k2]: 'pending' }, published: { [k1]: true, [k2]: false }, signs: k1 },
    'pending and unpublished: not in the JWKS yet, k1 signs')

  at(r, ACTIVATE_IN - PREPUBLISH * SECOND - 1)
  t.same((await seen(r)).jwks, [k1], 'one ms before publishAt, still unpublished')

  at(r, ACTIVATE_IN - PREPUBLISH * SECOND)
  t.same(await seen(r), { jwks: sorted(k1, k2), states: { [k1]: 'active', [k2]: 'pending' }, published: { [k1]: true, [k2]: true }, signs: k1 },
    'pending and published: verifiers learn k2 while k1 still signs')

  at(r, ACTIVATE_IN - 1)
  t.equal((await seen(r)).signs, k1, 'one ms before activateAt, k1 still signs')

  at(r, ACTIVATE_IN)
  t.same(await seen(r), { jwks: sorted(k1, k2), states: { [k1]: 'retiring', [k2]: 'active' }, published: { [k1]: true, [k2]: true }, signs: k2 },
    'active: k2 signs, k1 is retiring and still published')
  const retiring = (await keyList(r.app.app, r.tenant.id))[k1]
  t.equal(retiring.retiresAt, new Date(r.start + ACTIVATE_IN + RETIRING).toISOString(), 'k1 retires maxTtl + clockSkew + JWKS max-age after the handover')

  at(r, ACTIVATE_IN + RETIRING - 1)
  t.same((await seen(r)).states, { [k1]: 'retiring', [k2]: 'active' }, 'one ms before the end of the window, k1 is still retiring')

  at(r, ACTIVATE_IN + RETIRING)
  t.same(await seen(r), { jwks: [k2], states: { [k1]: 'retired', [k2]: 'active' }, published: { [k1]: false, [k2]: true }, signs: k2 },
    'retired: k1 left the JWKS')

  const tenant = await r.app.admin('GET', `/v1/admin/tenants/${r.tenant.id}`)
  t.equal(tenant.json().activeKid, k2)
})

t.test('revocation in each state of a rotation', async t => {
  await t.test('pending and unpublished: k2 never appears and never signs', async t => {
    const r = await scheduledRotation(t, 'rv-pending')
    const res = await revoke(r, r.k2)
    t.equal(res.statusCode, 200)
    t.equal(res.body.key.state, 'revoked')
    t.equal(res.body.activeKid, r.k1)
    t.same(await seen(r), { jwks: [r.k1], states: { [r.k1]: 'active', [r.k2]: 'revoked' }, published: { [r.k1]: true, [r.k2]: false }, signs: r.k1 })
    at(r, ACTIVATE_IN + RETIRING)
    t.same(await seen(r), { jwks: [r.k1], states: { [r.k1]: 'active', [r.k2]: 'revoked' }, published: { [r.k1]: true, [r.k2]: false }, signs: r.k1 },
      'past its activation and k1\'s would-be retirement, k1 still signs')
  })

  await t.test('pending and published: k2 leaves the JWKS at once', async t => {
    const r = await scheduledRotation(t, 'rv-published')
    at(r, ACTIVATE_IN - PREPUBLISH * SECOND)
    t.same((await jwksKids(r.app.app, r.tenant.id)).sort(), [r.k1, r.k2].sort(), 'published before the revocation')
    const res = await revoke(r, r.k2)
    t.equal(res.statusCode, 200)
    t.same(await seen(r), { jwks: [r.k1], states: { [r.k1]: 'active', [r.k2]: 'revoked' }, published: { [r.k1]: true, [r.k2]: false }, signs: r.k1 })
    at(r, ACTIVATE_IN)
    t.equal(await signingKid(r.app.app, r.tenant.id, r.tenant.apiKey), r.k1, 'k2 does not take over at its activation time')
  })

  await t.test('active: the retiring k1 signs again', async t => {
    const r = await scheduledRotation(t, 'rv-active')
    at(r, ACTIVATE_IN + 10 * SECOND)
    t.equal(await signingKid(r.app.app, r.tenant.id, r.tenant.apiKey), r.k2)
    const res = await revoke(r, r.k2)
    t.equal(res.statusCode, 200)
    t.equal(res.body.activeKid, r.k1, 'the revocation answer names the new active key')
    t.same(await seen(r), { jwks: [r.k1], states: { [r.k1]: 'active', [r.k2]: 'revoked' }, published: { [r.k1]: true, [r.k2]: false }, signs: r.k1 })
    at(r, ACTIVATE_IN + RETIRING + 10 * SECOND)
    t.equal(await signingKid(r.app.app, r.tenant.id, r.tenant.apiKey), r.k1, 'k1 stays active: it is no longer superseded')
  })

  await t.test('retiring: k1 leaves the JWKS before its window ends, k2 keeps signing', async t => {
    const r = await scheduledRotation(t, 'rv-retiring')
    at(r, ACTIVATE_IN + 10 * SECOND)
    const res = await revoke(r, r.k1)
    t.equal(res.statusCode, 200)
    t.equal(res.body.activeKid, r.k2)
    t.same(await seen(r), { jwks: [r.k2], states: { [r.k1]: 'revoked', [r.k2]: 'active' }, published: { [r.k1]: false, [r.k2]: true }, signs: r.k2 })
  })

  await t.test('retired: the key becomes revoked, nothing else changes', async t => {
    const r = await scheduledRotation(t, 'rv-retired')
    at(r, ACTIVATE_IN + RETIRING)
    t.same(await jwksKids(r.app.app, r.tenant.id), [r.k2])
    const res = await revoke(r, r.k1)
    t.equal(res.statusCode, 200)
    t.equal(res.body.key.state, 'revoked')
    t.same(await seen(r), { jwks: [r.k2], states: { [r.k1]: 'revoked', [r.k2]: 'active' }, published: { [r.k1]: false, [r.k2]: true }, signs: r.k2 })
  })

  await t.test('revoking twice keeps the first revokedAt; an unknown kid is a 404', async t => {
    const r = await scheduledRotation(t, 'rv-twice')
    const first = await revoke(r, r.k2)
    r.clock.advance(5 * SECOND)
    const second = await revoke(r, r.k2)
    t.equal(second.statusCode, 200)
    t.equal(second.body.key.revokedAt, first.body.key.revokedAt)
    const unknown = await revoke(r, 'no-such-kid')
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.body.code, 'KEY_NOT_FOUND')
  })
})

t.test('revoking the only active key: issuing is a 409 until a key exists again', async t => {
  const clock = new FakeClock()
  const app = await build(t, { clock })
  const tenant = await createTenant(app.app, es256Tenant('lonely'))
  const kid = tenant.body.activeKid as string
  const res = await app.admin('POST', `/v1/admin/tenants/${tenant.id}/keys/${kid}/revoke`)
  t.equal(res.statusCode, 200)
  t.equal(res.json().activeKid, null)
  t.equal(await signingKid(app.app, tenant.id, tenant.apiKey), '409 NO_ACTIVE_KEY')
  t.same(await jwksKids(app.app, tenant.id), [])
  t.equal((await app.admin('GET', `/v1/admin/tenants/${tenant.id}`)).json().activeKid, null)
  const added = await app.admin('POST', `/v1/admin/tenants/${tenant.id}/keys`, { alg: 'ES256' })
  t.equal(added.statusCode, 201)
  t.equal(await signingKid(app.app, tenant.id, tenant.apiKey), added.json().key.kid, 'a new key signs at once')
})

t.test('a revocation through one instance reaches another instance\'s cached JWKS within 1 s', async t => {
  const { a, b } = await twoInstances(t)
  const tenant = await createTenant(a.app, es256Tenant('shared'))
  const k1 = tenant.body.activeKid as string
  const rotated = await a.admin('POST', `/v1/admin/tenants/${tenant.id}/keys/rotate`, {})
  t.equal(rotated.statusCode, 201)
  const k2 = rotated.json().key.kid as string

  const before = await b.app.inject(`/v1/tenants/${tenant.id}/jwks.json`)
  t.same(before.json().keys.map((key: { kid: string }) => key.kid).sort(), [k1, k2].sort(), 'B has both keys cached')
  t.equal((await b.app.inject(`/v1/tenants/${tenant.id}/jwks.json`)).headers.etag, before.headers.etag, 'and serves them from its cache')

  // B hears of the revocation through the store's change notice: bounded to the 1 s the contract allows.
  const heard = nextChange(b.app, tenant.id, SECOND)
  const res = await a.admin('POST', `/v1/admin/tenants/${tenant.id}/keys/${k2}/revoke`)
  t.equal(res.statusCode, 200)
  await heard
  t.same(await jwksKids(b.app, tenant.id), [k1], 'B no longer lists the revoked kid')
  t.same(await keyStates(b.app, tenant.id), { [k1]: 'active', [k2]: 'revoked' })

  // And revoking the active key on A hands B's signing over too, or refuses it.
  const heardAgain = nextChange(b.app, tenant.id, SECOND)
  t.equal((await a.admin('POST', `/v1/admin/tenants/${tenant.id}/keys/${k1}/revoke`)).statusCode, 200)
  await heardAgain
  t.equal(await signingKid(b.app, tenant.id, tenant.apiKey), '409 NO_ACTIVE_KEY')
  t.same(await jwksKids(b.app, tenant.id), [])
})

t.test('rotation routes refuse bad times and warn about a short prepublish', async t => {
  const clock = new FakeClock()
  const app = await build(t, { clock })
  await createTenant(app.app, es256Tenant('rot-errors'))
  const url = '/v1/admin/tenants/rot-errors'

  for (const bad of ['yesterday', '2026-13-45T00:00:00Z', new Date(clock.now - 60 * SECOND).toISOString(), -5]) {
    const res = await app.admin('POST', `${url}/keys/rotate`, { at: bad })
    t.equal(res.statusCode, 400, `at ${String(bad)}`)
    t.equal(res.json().code, 'VALIDATION_FAILED')
    t.match(res.json().errors, [{ path: '/at' }], `at ${String(bad)} names /at`)
  }
  t.same(await jwksKids(app.app, 'rot-errors'), [(await app.admin('GET', url)).json().activeKid], 'no key was added by a refused rotation')

  const short = await app.admin('POST', `${url}/keys/rotate`, { prepublish: 30 })
  t.equal(short.statusCode, 201)
  t.equal(short.json().warnings.length, 1, 'a prepublish under the JWKS max-age is accepted with a warning')
  t.match(short.json().warnings[0], /max-age/)
  t.equal(Date.parse(short.json().key.activateAt) - Date.parse(short.json().key.publishAt), 30 * SECOND)

  const defaults = await app.admin('POST', `${url}/keys/rotate`, {})
  t.equal(defaults.statusCode, 201)
  t.same(defaults.json().warnings, [])
  t.equal(defaults.json().key.publishAt, new Date(clock.now).toISOString(), 'published now')
  t.equal(defaults.json().key.activateAt, new Date(clock.now + 300 * SECOND).toISOString(), 'active after the default prepublish, the JWKS max-age')

  const period = await app.admin('PUT', `${url}/rotation`, { every: 3600, prepublish: 60 })
  t.equal(period.statusCode, 200)
  t.equal(period.json().warnings.length, 1, 'a periodic prepublish under the max-age warns too')
  t.same(period.json().rotation, { every: 3600, prepublish: 60, since: new Date(clock.now).toISOString() })

  const tooLong = await app.admin('PUT', `${url}/rotation`, { every: 3600, prepublish: 3600 })
  t.equal(tooLong.statusCode, 400)
  t.match(tooLong.json().errors, [{ path: '/prepublish' }])
  const noEvery = await app.admin('PUT', `${url}/rotation`, { prepublish: 10 })
  t.equal(noEvery.statusCode, 400)
  t.match(noEvery.json().errors, [{ path: '/every' }])
  t.equal((await app.admin('DELETE', `${url}/rotation`)).statusCode, 204)
  t.equal((await app.admin('GET', url)).json().rotation, undefined)

  // An HS256 tenant's periodic versions are secrets nobody is shown: the operator is told so.
  await createTenant(app.app, { id: 'rot-hs256', profile: 'smooch' })
  const symmetric = await app.admin('PUT', '/v1/admin/tenants/rot-hs256/rotation', { every: 86400 })
  t.equal(symmetric.statusCode, 200)
  t.equal(symmetric.json().warnings.length, 1)
  t.match(symmetric.json().warnings[0], /HS256.*never shown/)
  const created = await app.admin('POST', '/v1/admin/tenants', { id: 'rot-hs256-new', name: 'x', profile: 'smooch', rotation: { every: 86400 } })
  t.equal(created.statusCode, 201)
  t.match(created.json().warnings, [/HS256.*never shown/])
})

t.test('the admin key routes need the admin token', async t => {
  const { app } = await build(t)
  await createTenant(app, es256Tenant('guarded'))
  const res = await app.inject({ method: 'POST', url: '/v1/admin/tenants/guarded/keys/rotate', payload: {} })
  t.equal(res.statusCode, 401)
  const list = await app.inject({ url: '/v1/admin/tenants/guarded/keys', headers: { ...adminHeaders, authorization: 'Bearer wrong-token-0123456789' } })
  t.equal(list.statusCode, 401)
})

t.test('the instance that revokes a key stops signing with it at once, before its own change notice returns', async t => {
  const { app } = await build(t, { store: 'redis' })
  await storeReady(app)
  const tenant = await createTenant(app, { id: 'revoke-here', profile: 'smooch' })
  const first = (await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })).json().kid
  const added = await app.inject({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminHeaders, payload: { alg: 'HS256' } })
  const second = added.json().key.kid
  t.equal((await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })).json().kid, second, 'the new key signs on the next request')
  const revoked = await app.inject({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys/${second}/revoke`, headers: adminHeaders })
  t.equal(revoked.statusCode, 200)
  t.equal((await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })).json().kid, first, 'the revoked key never signs the next request')
})

t.test('a key imported with a 128-character kid can be revoked by its kid', async t => {
  const { app } = await build(t)
  const tenant = await createTenant(app, { id: 'long-kid', profile: 'smooch', generateKey: false })
  const kid = 'k'.repeat(128)
  const imported = await app.inject({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminHeaders, payload: { kid, alg: 'HS256', secret: 'a-platform-secret-of-some-length' } })
  t.equal(imported.statusCode, 201)
  const revoked = await app.inject({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys/${kid}/revoke`, headers: adminHeaders })
  t.equal(revoked.statusCode, 200)
  t.equal(revoked.json().key.state, 'revoked')
})

t.test('revoking the active key after a rotation promotes the published pending key at once, on both instances', async t => {
  const { a, b } = await twoInstances(t)
  const tenant = await createTenant(a.app, es256Tenant('emergency-rs', { alg: 'RS256' }))
  const k1 = tenant.body.activeKid as string
  const rotated = await a.admin('POST', `/v1/admin/tenants/${tenant.id}/keys/rotate`, {})
  t.equal(rotated.statusCode, 201)
  const k2 = rotated.json().key.kid as string
  t.equal(rotated.json().key.state, 'pending', 'the new key waits for its prepublish (300 s)')
  t.equal(await signingKid(a.app, tenant.id, tenant.apiKey), k1)
  t.equal(await signingKid(b.app, tenant.id, tenant.apiKey), k1, 'B has k1 cached as its signer')

  const heard = nextChange(b.app, tenant.id, SECOND)
  const revoked = await a.admin('POST', `/v1/admin/tenants/${tenant.id}/keys/${k1}/revoke`)
  t.equal(revoked.statusCode, 200)
  t.equal(revoked.json().activeKid, k2, 'the answer names the promoted key')
  t.equal(await signingKid(a.app, tenant.id, tenant.apiKey), k2, 'A signs with k2 at once')
  await heard
  t.equal(await signingKid(b.app, tenant.id, tenant.apiKey), k2, 'B signs with k2 within 1 s, not a 409')
  t.same(await jwksKids(b.app, tenant.id), [k2])
  const listed = await keyList(b.app, tenant.id)
  t.equal(listed[k2].state, 'active')
  t.equal(listed[k2].activateAt, rotated.json().key.activateAt, 'its stored activateAt is unchanged')
  t.equal((listed[k2] as unknown as { promotedAt: string }).promotedAt, listed[k1].revokedAt, 'it is active since the revocation')
})

t.test('emergency rotation: a new key active at once and the old one revoked, in one write', async t => {
  const clock = new FakeClock()
  const app = await build(t, { clock })

  const rs = await createTenant(app.app, es256Tenant('emergency-one', { alg: 'RS256' }))
  const old = rs.body.activeKid as string
  const res = await app.admin('POST', `/v1/admin/tenants/${rs.id}/keys/rotate`, { revokeActive: true })
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.equal(body.revoked, old, 'the answer names the revoked kid')
  t.equal(body.key.state, 'active')
  t.equal(body.key.activateAt, new Date(clock.now).toISOString())
  t.equal(body.secret, undefined, 'no secret for an asymmetric key')
  t.equal(body.warnings.length, 1, 'verifiers may not know the new kid yet: warned')
  t.equal(await signingKid(app.app, rs.id, rs.apiKey), body.key.kid)
  t.same(await jwksKids(app.app, rs.id), [body.key.kid], 'the revoked key left the JWKS')
  t.same(await keyStates(app.app, rs.id), { [old]: 'revoked', [body.key.kid]: 'active' })
  const log = (await app.admin('GET', `/v1/admin/audit?tenant=${rs.id}&limit=2`)).json().items
  t.same(log.map((e: { action: string, kid: string }) => [e.action, e.kid]), [['key.revoke', old], ['key.rotate', body.key.kid]], 'both audited')
  t.equal(log[0].at, log[1].at, 'in the same step')

  const hs = await createTenant(app.app, { id: 'emergency-hs', profile: 'smooch' })
  const hsOld = hs.body.activeKid as string
  const hsRes = await app.admin('POST', `/v1/admin/tenants/${hs.id}/keys/rotate`, { revokeActive: true })
  t.equal(hsRes.statusCode, 201)
  t.equal(hsRes.json().revoked, hsOld)
  t.match(hsRes.json().secret, /^[A-Za-z0-9_-]{43}$/, 'a generated HS256 secret, once')
  t.equal(await signingKid(app.app, hs.id, hs.apiKey, { userId: 'u' }), hsRes.json().key.kid)
  t.notMatch(JSON.stringify((await app.admin('GET', `/v1/admin/tenants/${hs.id}/keys`)).json()), hsRes.json().secret, 'never shown again')

  const withAt = await app.admin('POST', `/v1/admin/tenants/${rs.id}/keys/rotate`, { revokeActive: true, at: new Date(clock.now + 60_000).toISOString() })
  t.equal(withAt.statusCode, 400)
  t.match(withAt.json().errors, [{ path: '/at' }])

  // With no active key, the emergency rotation still gives one and revokes nothing.
  t.equal((await app.admin('POST', `/v1/admin/tenants/${rs.id}/keys/${body.key.kid as string}/revoke`)).statusCode, 200)
  t.equal(await signingKid(app.app, rs.id, rs.apiKey), '409 NO_ACTIVE_KEY')
  const fresh = await app.admin('POST', `/v1/admin/tenants/${rs.id}/keys/rotate`, { revokeActive: true })
  t.equal(fresh.statusCode, 201)
  t.equal(fresh.json().revoked, null)
  t.equal(await signingKid(app.app, rs.id, rs.apiKey), fresh.json().key.kid)
})

t.test('a keyring keeps at most KEYRING_MAX_RETIRED retired keys; older ones are destroyed and audited', async t => {
  const clock = new FakeClock()
  const app = await build(t, { clock, env: { KEYRING_MAX_RETIRED: '2' } })
  const tenant = await createTenant(app.app, { id: 'pruned', profile: 'smooch', tokenPolicy: { defaultTtl: 60, minTtl: 60, maxTtl: 60, clockSkew: 0 } })
  const kids = [tenant.body.activeKid as string]
  // Each HS256 rotation activates at once; the previous key retires 60 + 0 + 300 s later.
  for (let i = 0; i < 5; i++) {
    clock.advance(361 * SECOND)
    const res = await app.admin('POST', `/v1/admin/tenants/${tenant.id}/keys/rotate`, {})
    t.equal(res.statusCode, 201)
    kids.push(res.json().key.kid)
  }
  const states = await keyStates(app.app, tenant.id)
  // Before the 5th rotation, kids[0..3] were retired; kids[0] and kids[1] (the oldest) were destroyed over the rotations.
  t.same(Object.keys(states).sort(), kids.slice(2).sort(), 'the oldest retired keys are gone')
  t.equal(Object.values(states).filter(state => state === 'retired').length, 2, 'two retired keys kept')
  const log = (await app.admin('GET', `/v1/admin/audit?tenant=${tenant.id}`)).json().items as Array<{ action: string, kid: string }>
  t.same(log.filter(e => e.action === 'key.destroy').map(e => e.kid).sort(), kids.slice(0, 2).sort(), 'each destruction audited')
})

t.test('periodic rotation below ROTATION_MIN_PERIOD is a 400 naming /every', async t => {
  const app = await build(t)
  const tenant = await createTenant(app.app, es256Tenant('min-period'))
  const url = `/v1/admin/tenants/${tenant.id}/rotation`
  for (const every of [1, 60, 3599]) {
    const res = await app.admin('PUT', url, { every, prepublish: 0 })
    t.equal(res.statusCode, 400, `every ${every}`)
    t.match(res.json().errors, [{ path: '/every' }])
  }
  t.equal((await app.admin('PUT', url, { every: 3600, prepublish: 0 })).statusCode, 200)
  const created = await app.admin('POST', '/v1/admin/tenants', { ...es256Tenant('min-period-new'), name: 'x', rotation: { every: 1 } })
  t.equal(created.statusCode, 400, 'at creation too')
  t.match(created.json().errors, [{ path: '/every' }])

  const lowered = await build(t, { env: { ROTATION_MIN_PERIOD: '60' } })
  await createTenant(lowered.app, es256Tenant('min-period'))
  t.equal((await lowered.admin('PUT', url, { every: 60, prepublish: 0 })).statusCode, 200, 'the minimum is configurable')
})

t.test('an asymmetric key shows its public key as SPKI PEM, in the key list and as public.pem; HS256 has none', async t => {
  const { app, admin } = await build(t)
  for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
    const id = `pem-${alg.toLowerCase()}`
    const tenant = await createTenant(app, { id, profile: 'custom', alg, claimsSchema: { type: 'object', properties: { sub: { type: 'string' } } } })
    const [key] = (await admin('GET', `/v1/admin/tenants/${id}/keys`)).json().items
    t.match(key.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/, `${alg}: publicKeyPem in the key view`)
    const issued = await issue(app, id, tenant.apiKey, { sub: 'u' })
    const { payload } = await jwtVerify(issued.json().token, await importSPKI(key.publicKeyPem, alg))
    t.equal(payload.sub, 'u', `${alg}: the PEM verifies the tenant's tokens`)
    const pem = await app.inject({ method: 'GET', url: `/v1/admin/tenants/${id}/keys/${key.kid}/public.pem`, headers: adminHeaders })
    t.equal(pem.statusCode, 200)
    t.equal(pem.headers['content-type'], 'application/x-pem-file')
    t.equal(pem.body, key.publicKeyPem, `${alg}: public.pem answers the same PEM`)
    t.notMatch(pem.body, /PRIVATE/)
  }
  const hs = await createTenant(app, { id: 'pem-hs', profile: 'smooch' })
  const [secretKey] = (await admin('GET', '/v1/admin/tenants/pem-hs/keys')).json().items
  t.notOk('publicKeyPem' in secretKey, 'an HS256 key has no public key')
  const none = await admin('GET', `/v1/admin/tenants/pem-hs/keys/${secretKey.kid as string}/public.pem`)
  t.match(none.json(), { status: 404, code: 'KEY_NOT_FOUND', detail: `key ${secretKey.kid as string} is HS256: a shared secret has no public key` })
  t.match((await admin('GET', '/v1/admin/tenants/pem-hs/keys/nope/public.pem')).json(), { status: 404, code: 'KEY_NOT_FOUND', detail: 'key nope does not exist' })
  t.equal((await app.inject({ method: 'GET', url: `/v1/admin/tenants/${hs.id}/keys/x/public.pem` })).statusCode, 401, 'the admin token is required')
})
