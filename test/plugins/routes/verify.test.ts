// POST /v1/tenants/:tenant/tokens/verify: a tenant sees why its platform would refuse a token.
import { SignJWT } from 'jose'
import t from 'tap'
import { build, FakeClock } from '../../helpers/build.js'
import { es256Tenant } from '../../helpers/key-lifecycle.js'
import { adminHeaders, createTenant, issue } from '../../helpers/tenants.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

t.test('verify says valid, or every reason a token is refused', async t => {
  const clock = new FakeClock()
  const { app } = await build(t, { clock })
  // Smooch defaults: 30 s of clock skew, tokens of 60 s to 24 h.
  const tenant = await createTenant(app, { id: 'verifying', profile: 'smooch' })
  const secret = tenant.initialSecret as string
  const kid = tenant.body.activeKid as string
  const verify = async (token: string, apiKey = tenant.apiKey) => await app.inject({
    method: 'POST',
    url: `/v1/tenants/${tenant.id}/tokens/verify`,
    headers: { authorization: `Bearer ${apiKey}` },
    payload: { token }
  })
  const now = (): number => Math.floor(clock.now / 1000)
  const forge = async (claims: Record<string, unknown>, header: Record<string, unknown> = {}, key = secret): Promise<string> =>
    await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid, ...header }).sign(utf8(key))

  const issued = (await issue(app, tenant.id, tenant.apiKey, { userId: 'u-1', ttl: 60 })).json()

  await t.test('a token just issued is valid', async t => {
    const res = await verify(issued.token)
    t.equal(res.statusCode, 200)
    t.same(res.json(), {
      valid: true,
      reasons: [],
      header: { alg: 'HS256', typ: 'JWT', kid },
      claims: { scope: 'appUser', userId: 'u-1', iat: issued.issuedAt, exp: issued.expiresAt }
    })
  })

  await t.test('the API key is required', async t => {
    const res = await app.inject({ method: 'POST', url: `/v1/tenants/${tenant.id}/tokens/verify`, payload: { token: issued.token } })
    t.equal(res.statusCode, 401)
  })

  await t.test('a wrong signature', async t => {
    const [h, p, s] = issued.token.split('.')
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`
    const res = (await verify(flipped)).json()
    t.equal(res.valid, false)
    t.same(res.reasons, ['the signature does not verify with the key'])
    const otherSecret = await forge({ scope: 'appUser', userId: 'u-1', iat: now(), exp: now() + 60 }, {}, 'a-completely-different-secret')
    t.same((await verify(otherSecret)).json().reasons, ['the signature does not verify with the key'], 'signed with another secret')
  })

  await t.test('a missing claim, signed with the tenant\'s own secret', async t => {
    const forged = await forge({ scope: 'appUser', iat: now(), exp: now() + 60 })
    const res = (await verify(forged)).json()
    t.equal(res.valid, false)
    t.same(res.reasons, ['claim userId must be a non-empty string (a number is refused)'])
    const numeric = (await verify(await forge({ scope: 'appUser', userId: 42, iat: now(), exp: now() + 60 }))).json()
    t.match(numeric.reasons, [/claim userId/])
    const noExp = (await verify(await forge({ scope: 'appUser', userId: 'u', iat: now() }))).json()
    t.same(noExp.reasons, ['claim exp is required'])
  })

  await t.test('unknown kid, alg none and a token that is not a JWS', async t => {
    const unknown = (await verify(await forge({ scope: 'appUser', userId: 'u', iat: now(), exp: now() + 60 }, { kid: 'nope' }))).json()
    t.equal(unknown.valid, false)
    t.match(unknown.reasons, [/kid nope is not a key of this tenant/])
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
    const none = `${encode({ alg: 'none', kid })}.${encode({ scope: 'appUser', userId: 'u', iat: now(), exp: now() + 60 })}.`
    const refused = (await verify(none)).json()
    t.equal(refused.valid, false)
    t.ok(refused.reasons.some((reason: string) => /alg none/.test(reason)), refused.reasons.join('; '))
    const garbage = (await verify('not-a-token')).json()
    t.equal(garbage.valid, false)
    t.match(garbage.reasons, [/not a compact JWS/])
  })

  await t.test('expiry, with the tenant\'s clock skew', async t => {
    clock.now = issued.expiresAt * 1000 + 30_000
    t.same((await verify(issued.token)).json().reasons, [], 'within the 30 s of skew, still valid')
    clock.advance(1000)
    const res = (await verify(issued.token)).json()
    t.equal(res.valid, false)
    t.equal(res.reasons.length, 1)
    t.match(res.reasons[0], /^expired at .*clock skew 30 s/)
  })

  await t.test('a revoked kid', async t => {
    const fresh = (await issue(app, tenant.id, tenant.apiKey, { userId: 'u-2' })).json()
    t.equal((await verify(fresh.token)).json().valid, true)
    const revoked = await app.inject({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys/${kid}/revoke`, headers: adminHeaders })
    t.equal(revoked.statusCode, 200)
    const res = (await verify(fresh.token)).json()
    t.equal(res.valid, false)
    t.same(res.reasons, [`key ${kid} is revoked`])
  })
})

t.test('asymmetric tokens: issuer and retirement are checked too', async t => {
  const clock = new FakeClock()
  const { app } = await build(t, { clock })
  const tenant = await createTenant(app, es256Tenant('verify-es256'))
  const token = (await issue(app, tenant.id, tenant.apiKey, { sub: 'u-1' })).json().token
  const verify = async () => (await app.inject({ method: 'POST', url: `/v1/tenants/${tenant.id}/tokens/verify`, headers: { authorization: `Bearer ${tenant.apiKey}` }, payload: { token } })).json()
  t.same((await verify()).reasons, [])

  // Rotate now; past the old key's retiring window (600 + 0 + 300 s after the handover) its tokens no longer verify.
  const rotated = await app.inject({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys/rotate`, headers: adminHeaders, payload: { at: Math.floor(clock.now / 1000) } })
  t.equal(rotated.statusCode, 201)
  clock.advance(599_000)
  t.same((await verify()).reasons, [], 'retiring, within its lifetime: valid')
  clock.advance(900_000)
  const res = await verify()
  t.equal(res.valid, false)
  t.ok(res.reasons.includes(`key ${String(tenant.body.activeKid)} is retired and no longer published`), res.reasons.join('; '))
})

t.test('custom tenants: the configured issuer and audience are what verify expects', async t => {
  const clock = new FakeClock()
  const { app } = await build(t, { clock })
  const options = { issuer: 'https://chat.example.com', audience: ['chat-api', 'chat-web'] }
  const es = await createTenant(app, es256Tenant('custom-iss', { profileOptions: options }))
  const hs = await createTenant(app, es256Tenant('custom-iss-hs', { alg: 'HS256', profileOptions: options }))
  const verify = async (tenant: typeof es, token: string) => (await app.inject({
    method: 'POST', url: `/v1/tenants/${tenant.id}/tokens/verify`, headers: { authorization: `Bearer ${tenant.apiKey}` }, payload: { token }
  })).json()

  for (const tenant of [es, hs]) {
    const token = (await issue(app, tenant.id, tenant.apiKey, { sub: 'u-1' })).json().token
    const res = await verify(tenant, token)
    t.match(res.claims, { iss: options.issuer, aud: options.audience })
    t.same(res.reasons, [], `a token ${tenant.id} just issued is valid`)
  }

  const now = Math.floor(clock.now / 1000)
  const forge = async (claims: Record<string, unknown>) => await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: hs.body.activeKid }).sign(utf8(hs.initialSecret as string))
  const wrongIss = await verify(hs, await forge({ sub: 'u', iss: 'https://evil.example.com', aud: options.audience, iat: now, exp: now + 60 }))
  t.same(wrongIss.reasons, [`claim iss must be ${options.issuer}`])
  const wrongAud = await verify(hs, await forge({ sub: 'u', iss: options.issuer, aud: ['chat-api'], iat: now, exp: now + 60 }))
  t.same(wrongAud.reasons, ['claim aud must be the configured audience'])

  const noSub = await verify(hs, await forge({ iss: options.issuer, aud: options.audience, iat: now, exp: now + 60 }))
  t.equal(noSub.valid, false)
  t.same(noSub.reasons, ['claim sub is required'], 'the tenant\'s claims schema requires sub')
  const extra = await verify(hs, await forge({ sub: 'u', admin: true, iss: options.issuer, aud: options.audience, iat: now, exp: now + 60 }))
  t.same(extra.reasons, ['claim admin is not an allowed field'], 'and allows no other claim')

  // alg confusion: an HS256 token naming the ES256 tenant's key is refused whatever its signature.
  const confused = await new SignJWT({ sub: 'u', iss: options.issuer, aud: options.audience, iat: now, exp: now + 60 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: es.body.activeKid }).sign(utf8('guessed-secret-guessed-secret'))
  const refused = await verify(es, confused)
  t.equal(refused.valid, false)
  t.same(refused.reasons, ['alg HS256 does not match the key\'s ES256'])
})
