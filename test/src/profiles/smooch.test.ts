import t from 'tap'
import { compileTenantProfile, getProfile, resolveTenantSettings } from '../../../src/profiles/index.js'
import { caught, IAT, messageAt, pathsOf, tenantOf } from './fixtures/tenants.js'

const tenant = tenantOf('smooch')
const profile = compileTenantProfile(tenant)

t.test('claims are exactly scope appUser, the string userId, iat and exp; no header extras', async t => {
  const { ttl, input } = profile.validateBody({ userId: 'user-42' })
  t.equal(ttl, undefined)
  t.strictSame(input, { userId: 'user-42' })
  const built = profile.buildClaims({ body: input, iat: IAT, exp: IAT + 3600 })
  t.strictSame(built.claims, { scope: 'appUser', userId: 'user-42', iat: IAT, exp: IAT + 3600 })
  t.equal(built.header, undefined)
})

t.test('a numeric id sent as a string stays a string', async t => {
  const { input } = profile.validateBody({ userId: '12345' })
  t.strictSame(profile.buildClaims({ body: input, iat: IAT, exp: IAT + 60 }).claims, { scope: 'appUser', userId: '12345', iat: IAT, exp: IAT + 60 })
})

t.test('ttl is returned apart from the claims', async t => {
  t.strictSame(profile.validateBody({ userId: 'u', ttl: 120 }), { ttl: 120, input: { userId: 'u' } })
})

t.test('an issuer set by the caller becomes iss', async t => {
  const { claims } = profile.buildClaims({ body: { userId: 'u' }, iat: IAT, exp: IAT + 60, issuer: 'https://tm.example/t/acme' })
  t.strictSame(claims, { scope: 'appUser', userId: 'u', iss: 'https://tm.example/t/acme', iat: IAT, exp: IAT + 60 })
})

const rejected: Array<{ name: string, body: unknown, paths: string[], message?: RegExp }> = [
  { name: 'a number as userId', body: { userId: 42 }, paths: ['/userId'], message: /must be string/ },
  { name: 'a missing userId', body: {}, paths: ['/userId'], message: /is required/ },
  { name: 'an empty userId', body: { userId: '' }, paths: ['/userId'] },
  { name: 'null as userId', body: { userId: null }, paths: ['/userId'] },
  { name: 'an unknown field', body: { userId: 'u', foo: 1 }, paths: ['/foo'], message: /not an allowed field/ },
  { name: 'scope in the body', body: { userId: 'u', scope: 'admin' }, paths: ['/scope'], message: /set by the smooch profile/ },
  { name: 'iat in the body', body: { userId: 'u', iat: 1 }, paths: ['/iat'], message: /set by the smooch profile/ },
  { name: 'exp in the body', body: { userId: 'u', exp: 1 }, paths: ['/exp'], message: /set by the smooch profile/ },
  { name: 'iss in the body', body: { userId: 'u', iss: 'x' }, paths: ['/iss'], message: /set by the smooch profile/ },
  { name: 'a string ttl', body: { userId: 'u', ttl: '60' }, paths: ['/ttl'], message: /integer/ },
  { name: 'a fractional ttl', body: { userId: 'u', ttl: 60.5 }, paths: ['/ttl'] },
  { name: 'a __proto__ key', body: JSON.parse('{"userId":"u","__proto__":{"scope":"admin"}}'), paths: ['/__proto__'], message: /reserved/ },
  { name: 'a constructor key', body: { userId: 'u', constructor: { prototype: {} } }, paths: ['/constructor'], message: /reserved/ },
  { name: 'an array body', body: [{ userId: 'u' }], paths: [''] },
  { name: 'a null body', body: null, paths: [''] },
  { name: 'a string body', body: 'userId=u', paths: [''] }
]

t.test('strict validation', async t => {
  for (const { name, body, paths, message } of rejected) {
    const err = caught(() => profile.validateBody(body))
    t.equal(err.code, 'VALIDATION_FAILED', name)
    t.equal(err.status, 400, name)
    t.strictSame(pathsOf(err), paths, name)
    if (message !== undefined) t.match(messageAt(err, paths[0] as string), message, name)
  }
})

t.test('several problems are reported together', async t => {
  const err = caught(() => profile.validateBody({ userId: 7, scope: 'x', extra: true }))
  t.strictSame(pathsOf(err).sort(), ['/extra', '/scope', '/userId'])
})

t.test('validation leaves the body as it was', async t => {
  const body = { userId: 'u', ttl: 60 }
  profile.validateBody(body)
  t.strictSame(body, { userId: 'u', ttl: 60 })
})

t.test('HS256 only, no options', async t => {
  t.strictSame(getProfile('smooch').algs, ['HS256'])
  t.equal(resolveTenantSettings({ profile: 'smooch' }).alg, 'HS256')
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'smooch', alg: 'RS256' }))), ['/alg'])
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'smooch', profileOptions: { appId: 'x' } }))), ['/profileOptions/appId'])
})
