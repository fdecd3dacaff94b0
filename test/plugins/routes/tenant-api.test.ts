// Issuance for every built-in profile, verified independently with jose, plus strict validation and auth.
import { createRemoteJWKSet, jwtVerify } from 'jose'
import t from 'tap'
import { build } from '../../helpers/build.js'
import { adminHeaders, createApiKey, createTenant, decodeHeader, issue } from '../../helpers/tenants.js'

const SMOOCH_KID = '55e9f9bf7a0ce5ca2d429c17'
const SMOOCH_SECRET = 'BFJJ88naxc5PZNAMU9KpBNTR'
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

t.test('every profile gets exactly the header and claims its platform expects', async t => {
  const { app, url } = await build(t, { listen: true })

  await t.test('smooch, with the secret imported from the Smooch dashboard', async t => {
    const tenant = await createTenant(app, { id: 'smooch-app', profile: 'smooch', generateKey: false })
    t.equal(tenant.initialSecret, undefined, 'no secret is generated when generateKey is false')
    const before = await issue(app, tenant.id, tenant.apiKey, { userId: 'u-1' })
    t.equal(before.statusCode, 409)
    t.equal(before.json().code, 'NO_ACTIVE_KEY')
    t.equal(before.json().detail, 'tenant smooch-app has no active key: import one with POST /v1/admin/tenants/smooch-app/keys ' +
      '(HS256: {"kid", "alg": "HS256", "secret"}; a private key: {"privateKeyPem"}) or generate one there with {"alg"}', 'the 409 names the route that fixes it')
    const imported = await app.inject({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminHeaders, payload: { kid: SMOOCH_KID, alg: 'HS256', secret: SMOOCH_SECRET } })
    t.equal(imported.statusCode, 201)
    t.notMatch(imported.body, SMOOCH_SECRET, 'an imported secret is never echoed')
    const res = await issue(app, tenant.id, tenant.apiKey, { userId: '12345' })
    t.equal(res.statusCode, 201)
    const body = res.json()
    const { payload, protectedHeader } = await jwtVerify(body.token, utf8(SMOOCH_SECRET), { algorithms: ['HS256'] })
    t.same(protectedHeader, { alg: 'HS256', typ: 'JWT', kid: SMOOCH_KID })
    t.same(payload, { scope: 'appUser', userId: '12345', iat: body.issuedAt, exp: body.expiresAt })
    t.match(body, { tokenType: 'JWT', alg: 'HS256', kid: SMOOCH_KID })
    t.equal(body.expiresAt - body.issuedAt, 3600, 'the default ttl applies')
  })

  await t.test('khoros verifies with the secret\'s UTF-8 bytes', async t => {
    const tenant = await createTenant(app, { id: 'khoros-app', profile: 'khoros', profileOptions: { platform: 'ios' } })
    t.type(tenant.initialSecret, 'string')
    t.equal(tenant.initialSecret?.length, 43)
    const res = await issue(app, tenant.id, tenant.apiKey, { userId: 'u-7', givenName: 'Ada', ttl: 600 })
    t.equal(res.statusCode, 201)
    const body = res.json()
    const { payload, protectedHeader } = await jwtVerify(body.token, utf8(tenant.initialSecret as string))
    t.same(protectedHeader, { alg: 'HS256', typ: 'JWT', kid: body.kid })
    t.same(payload, { userId: 'u-7', scope: 'appUser', platform: 'ios', givenName: 'Ada', iat: body.issuedAt, exp: body.issuedAt + 600 })
  })

  await t.test('tiledesk has sub userexternal, the project audience and attributes as claims', async t => {
    const tenant = await createTenant(app, { id: 'tiledesk-app', profile: 'tiledesk', profileOptions: { projectId: 'p42' } })
    const res = await issue(app, tenant.id, tenant.apiKey, { _id: 'ext-1', firstname: 'Ada', email: 'ada@example.com', attributes: { plan: 'gold' } })
    t.equal(res.statusCode, 201)
    const body = res.json()
    const { payload, protectedHeader } = await jwtVerify(body.token, utf8(tenant.initialSecret as string), { audience: 'https://tiledesk.com/projects/p42' })
    t.same(protectedHeader, { alg: 'HS256', typ: 'JWT', kid: body.kid })
    t.same(payload, { _id: 'ext-1', sub: 'userexternal', aud: 'https://tiledesk.com/projects/p42', firstname: 'Ada', email: 'ada@example.com', plan: 'gold', iat: body.issuedAt, exp: body.expiresAt })
  })

  await t.test('sceyt is RS256 with sub, aid, iat, nbf and exp, verified through the live JWKS', async t => {
    const tenant = await createTenant(app, { id: 'sceyt-app', profile: 'sceyt', profileOptions: { applicationId: 'app-9' }, tokenPolicy: { defaultTtl: 3600 } })
    t.equal(tenant.initialSecret, undefined, 'an asymmetric key is simply created')
    const res = await issue(app, tenant.id, tenant.apiKey, { sub: 'user-1', notBefore: 5, ttl: 900 })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.equal(body.alg, 'RS256')
    const jwks = createRemoteJWKSet(new URL(`${url}/t/${tenant.id}/.well-known/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(body.token, jwks, { currentDate: new Date((body.issuedAt + 10) * 1000), issuer: `${url}/t/${tenant.id}` })
    t.same(protectedHeader, { alg: 'RS256', typ: 'JWT', kid: body.kid })
    t.same(payload, { sub: 'user-1', aid: 'app-9', iat: body.issuedAt, nbf: body.issuedAt + 5, exp: body.issuedAt + 900, iss: `${url}/t/${tenant.id}` })
    const short = await issue(app, tenant.id, tenant.apiKey, { sub: 'user-1', ttl: 599 })
    t.equal(short.json().code, 'TTL_OUT_OF_RANGE', 'sceyt tokens live at least 600 s')
  })

  await t.test('chat-widget tokens live at most 600 s', async t => {
    const tenant = await createTenant(app, { id: 'widget-app', profile: 'chat-widget' })
    const res = await issue(app, tenant.id, tenant.apiKey, { name: 'Ada', email: 'ada@example.com', external_id: 'ada.1' })
    t.equal(res.statusCode, 201)
    const body = res.json()
    const { payload, protectedHeader } = await jwtVerify(body.token, utf8(tenant.initialSecret as string))
    t.same(protectedHeader, { alg: 'HS256', typ: 'JWT', kid: body.kid })
    t.same(payload, { name: 'Ada', email: 'ada@example.com', external_id: 'ada.1', iat: body.issuedAt, exp: body.expiresAt })
    t.ok(body.expiresAt - body.issuedAt <= 600)
    const long = await issue(app, tenant.id, tenant.apiKey, { name: 'Ada', email: 'ada@example.com', external_id: 'ada.1', ttl: 601 })
    t.equal(long.statusCode, 400)
    t.equal(long.json().code, 'TTL_OUT_OF_RANGE')
  })

  await t.test('custom: the tenant\'s schema, static claims, ES256 through the live JWKS', async t => {
    const tenant = await createTenant(app, {
      id: 'custom-app',
      profile: 'custom',
      alg: 'ES256',
      claimsSchema: { type: 'object', properties: { sub: { type: 'string' }, role: { enum: ['agent', 'visitor'] } }, required: ['sub'], additionalProperties: false },
      staticClaims: { tenantTier: 'gold' }
    })
    const res = await issue(app, tenant.id, tenant.apiKey, { sub: 'u-1', role: 'agent' })
    t.equal(res.statusCode, 201, res.body)
    const body = res.json()
    const jwks = createRemoteJWKSet(new URL(`${url}/v1/tenants/${tenant.id}/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(body.token, jwks)
    t.same(protectedHeader, { alg: 'ES256', typ: 'JWT', kid: body.kid })
    t.same(payload, { tenantTier: 'gold', sub: 'u-1', role: 'agent', iat: body.issuedAt, exp: body.expiresAt, iss: `${url}/t/${tenant.id}` })
    const bad = await issue(app, tenant.id, tenant.apiKey, { sub: 'u-1', role: 'boss' })
    t.equal(bad.statusCode, 400)
    t.equal(bad.json().errors[0].path, '/role')
  })
})

t.test('bad input gets the exact status, code and field', async t => {
  const { app } = await build(t)
  const smooch = await createTenant(app, { id: 'strict', profile: 'smooch' })
  const widget = await createTenant(app, { id: 'strict-widget', profile: 'chat-widget' })
  const auth = (key: string) => ({ authorization: `Bearer ${key}` })
  const cases: Array<{ name: string, tenant?: typeof smooch, payload?: unknown, raw?: string, contentType?: string, status: number, code: string, path?: string }> = [
    { name: 'a number where a string is required', payload: { userId: 123 }, status: 400, code: 'VALIDATION_FAILED', path: '/userId' },
    { name: 'an unknown field', payload: { userId: 'u', admin: true }, status: 400, code: 'VALIDATION_FAILED', path: '/admin' },
    { name: 'a missing field', payload: {}, status: 400, code: 'VALIDATION_FAILED', path: '/userId' },
    { name: 'a bad email', tenant: widget, payload: { name: 'A', email: 'not-an-email', external_id: 'a1' }, status: 400, code: 'VALIDATION_FAILED', path: '/email' },
    { name: 'a bad external_id', tenant: widget, payload: { name: 'A', email: 'a@example.com', external_id: 'has space' }, status: 400, code: 'VALIDATION_FAILED', path: '/external_id' },
    { name: 'a claim the profile owns', payload: { userId: 'u', scope: 'admin' }, status: 400, code: 'VALIDATION_FAILED', path: '/scope' },
    { name: 'an owned time claim', payload: { userId: 'u', exp: 9999999999 }, status: 400, code: 'VALIDATION_FAILED', path: '/exp' },
    { name: 'a ttl below the range', payload: { userId: 'u', ttl: 1 }, status: 400, code: 'TTL_OUT_OF_RANGE', path: '/ttl' },
    { name: 'a ttl above the range', payload: { userId: 'u', ttl: 10_000_000 }, status: 400, code: 'TTL_OUT_OF_RANGE', path: '/ttl' },
    { name: 'a body over 16 KiB', payload: { userId: 'x'.repeat(17 * 1024) }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'a non-JSON content type', raw: 'userId=u', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: '__proto__', raw: '{"userId":"u","__proto__":{"admin":true}}', status: 400, code: 'VALIDATION_FAILED' },
    { name: 'an array body', payload: [{ userId: 'u' }], status: 400, code: 'VALIDATION_FAILED' },
    { name: 'malformed JSON', raw: '{"userId":', status: 400, code: 'VALIDATION_FAILED' }
  ]
  for (const c of cases) {
    const tenant = c.tenant ?? smooch
    const res = await app.inject({
      method: 'POST',
      url: `/v1/tenants/${tenant.id}/tokens`,
      headers: { ...auth(tenant.apiKey), 'content-type': c.contentType ?? 'application/json' },
      payload: c.raw ?? JSON.stringify(c.payload)
    })
    t.equal(res.statusCode, c.status, `${c.name}: status`)
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${c.name}: problem+json`)
    const problem = res.json()
    t.equal(problem.code, c.code, `${c.name}: code`)
    t.notMatch(res.body, /at .*\.(js|ts):\d+/, `${c.name}: no stack trace`)
    if (c.path !== undefined) t.ok(problem.errors.some((e: { path: string }) => e.path === c.path), `${c.name}: errors name ${c.path}`)
  }
})

t.test('authentication of tenant and admin routes', async t => {
  const { app } = await build(t)
  const mine = await createTenant(app, { id: 'mine', profile: 'smooch' })
  const other = await createTenant(app, { id: 'other', profile: 'smooch' })
  const deleted = await createApiKey(app, 'mine', 'doomed')
  const deletedId = deleted.split('_')[2]
  const del = await app.inject({ method: 'DELETE', url: `/v1/admin/tenants/mine/api-keys/${deletedId}`, headers: adminHeaders })
  t.equal(del.statusCode, 204)
  const forged = mine.apiKey.slice(0, -4) + (mine.apiKey.endsWith('AAAA') ? 'BBBB' : 'AAAA')
  // 'other' has one key (held apart from any Map), 'mine' two (one deleted).
  const [, otherKeyId, otherSecret] = /^tm_other_([0-9a-f]+)_(.+)$/.exec(other.apiKey) ?? []
  const otherForged = `tm_other_${otherKeyId}_${otherSecret.slice(0, -1)}${otherSecret.endsWith('A') ? 'B' : 'A'}`
  const otherWrongId = `tm_other_${otherKeyId.endsWith('0') ? otherKeyId.slice(0, -1) + '1' : otherKeyId.slice(0, -1) + '0'}_${otherSecret}`
  const cases: Array<{ name: string, url: string, authorization?: string, status: number, code: string }> = [
    { name: 'a missing key', url: '/v1/tenants/mine/tokens', status: 401, code: 'UNAUTHORIZED' },
    { name: 'a malformed key', url: '/v1/tenants/mine/tokens', authorization: 'Bearer tm_nope', status: 401, code: 'UNAUTHORIZED' },
    { name: 'a forged key', url: '/v1/tenants/mine/tokens', authorization: `Bearer ${forged}`, status: 401, code: 'UNAUTHORIZED' },
    { name: 'a forged secret of a tenant\'s only key', url: '/v1/tenants/other/tokens', authorization: `Bearer ${otherForged}`, status: 401, code: 'UNAUTHORIZED' },
    { name: 'an only key\'s secret under another id', url: '/v1/tenants/other/tokens', authorization: `Bearer ${otherWrongId}`, status: 401, code: 'UNAUTHORIZED' },
    { name: 'another tenant\'s key', url: '/v1/tenants/mine/tokens', authorization: `Bearer ${other.apiKey}`, status: 403, code: 'FORBIDDEN' },
    { name: 'a deleted key', url: '/v1/tenants/mine/tokens', authorization: `Bearer ${deleted}`, status: 403, code: 'FORBIDDEN' },
    { name: 'the admin token on a tenant route', url: '/v1/tenants/mine/tokens', authorization: adminHeaders.authorization, status: 401, code: 'UNAUTHORIZED' },
    { name: 'an API key on an admin route', url: '/v1/admin/tenants', authorization: `Bearer ${mine.apiKey}`, status: 401, code: 'UNAUTHORIZED' },
    { name: 'no token on an admin route', url: '/v1/admin/tenants', status: 401, code: 'UNAUTHORIZED' }
  ]
  for (const c of cases) {
    const res = await app.inject({
      method: c.url.includes('/admin/') ? 'GET' : 'POST',
      url: c.url,
      headers: c.authorization === undefined ? {} : { authorization: c.authorization },
      ...(c.url.includes('/admin/') ? {} : { payload: { userId: 'u' } })
    })
    t.equal(res.statusCode, c.status, `${c.name}: status`)
    t.equal(res.json().code, c.code, `${c.name}: code`)
  }
  const malformed = await app.inject({ method: 'POST', url: '/v1/tenants/mine/tokens', headers: { authorization: 'Bearer tm_mine_...' }, payload: { userId: 'u' } })
  t.equal(malformed.json().detail, 'the API key is malformed: expected tm_<tenant>_<id>_<secret>, as POST /v1/admin/tenants/:tenant/api-keys answers it')
  const missing = await app.inject({ method: 'POST', url: '/v1/tenants/mine/tokens', payload: { userId: 'u' } })
  t.equal(missing.json().detail, 'an API key is required: send authorization: Bearer tm_<tenant>_<id>_<secret>')
  const ok = await issue(app, 'mine', mine.apiKey, { userId: 'u' })
  t.equal(ok.statusCode, 201, 'the tenant\'s own live key works')
  t.equal((await issue(app, 'other', other.apiKey, { userId: 'u' })).statusCode, 201, 'a tenant\'s only key works')
  const unknown = await issue(app, 'ghost', 'tm_ghost_0123456789abcdef_' + 'A'.repeat(43), { userId: 'u' })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().code, 'TENANT_NOT_FOUND')
})

t.test('an unknown route is a problem+json 404', async t => {
  const { app } = await build(t)
  const res = await app.inject('/nope')
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'NOT_FOUND')
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(decodeHeader('eyJhIjoxfQ.e30.x').a, 1)
})
