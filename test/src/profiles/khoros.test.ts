import t from 'tap'
import { compileTenantProfile, resolveTenantSettings } from '../../../src/profiles/index.js'
import { caught, IAT, messageAt, pathsOf, tenantOf } from './fixtures/tenants.js'

const exp = IAT + 900

t.test('claims: userId, scope appUser, platform, givenName, iat, exp; platform defaults to web', async t => {
  const profile = compileTenantProfile(tenantOf('khoros'))
  const { input } = profile.validateBody({ userId: 'u-1', givenName: 'Ada' })
  const built = profile.buildClaims({ body: input, iat: IAT, exp })
  t.strictSame(built.claims, { userId: 'u-1', scope: 'appUser', platform: 'web', givenName: 'Ada', iat: IAT, exp })
  t.equal(built.header, undefined)
})

t.test('the tenant option sets the default platform; the request may name another', async t => {
  const profile = compileTenantProfile(tenantOf('khoros', { profileOptions: { platform: 'ios' } }))
  const byDefault = profile.validateBody({ userId: 'u', givenName: 'Ada' }).input
  t.equal(profile.buildClaims({ body: byDefault, iat: IAT, exp }).claims.platform, 'ios')
  const chosen = profile.validateBody({ userId: 'u', givenName: 'Ada', platform: 'android' }).input
  t.strictSame(profile.buildClaims({ body: chosen, iat: IAT, exp }).claims,
    { userId: 'u', scope: 'appUser', platform: 'android', givenName: 'Ada', iat: IAT, exp })
})

t.test('tenant settings: platform option filled in, validated', async t => {
  t.strictSame(resolveTenantSettings({ profile: 'khoros' }).profileOptions, { platform: 'web' })
  t.strictSame(resolveTenantSettings({ profile: 'khoros', profileOptions: { platform: 'android' } }).profileOptions, { platform: 'android' })
  const err = caught(() => resolveTenantSettings({ profile: 'khoros', profileOptions: { platform: 'windows' } }))
  t.strictSame(pathsOf(err), ['/profileOptions/platform'])
  t.equal(resolveTenantSettings({ profile: 'khoros' }).alg, 'HS256')
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'khoros', alg: 'ES256' }))), ['/alg'])
})

t.test('strict validation', async t => {
  const profile = compileTenantProfile(tenantOf('khoros'))
  const cases: Array<{ name: string, body: unknown, paths: string[], message?: RegExp }> = [
    { name: 'givenName missing', body: { userId: 'u' }, paths: ['/givenName'], message: /required/ },
    { name: 'userId missing', body: { givenName: 'Ada' }, paths: ['/userId'], message: /required/ },
    { name: 'userId a number', body: { userId: 5, givenName: 'Ada' }, paths: ['/userId'], message: /string/ },
    { name: 'givenName a number', body: { userId: 'u', givenName: 1 }, paths: ['/givenName'] },
    { name: 'unknown platform', body: { userId: 'u', givenName: 'Ada', platform: 'windows' }, paths: ['/platform'] },
    { name: 'platform in other case', body: { userId: 'u', givenName: 'Ada', platform: 'IOS' }, paths: ['/platform'] },
    { name: 'unknown field', body: { userId: 'u', givenName: 'Ada', name: 'x' }, paths: ['/name'], message: /not an allowed/ },
    { name: 'scope override', body: { userId: 'u', givenName: 'Ada', scope: 'admin' }, paths: ['/scope'], message: /khoros profile/ },
    { name: 'exp override', body: { userId: 'u', givenName: 'Ada', exp: 9_999_999_999 }, paths: ['/exp'], message: /khoros profile/ }
  ]
  for (const { name, body, paths, message } of cases) {
    const err = caught(() => profile.validateBody(body))
    t.equal(err.code, 'VALIDATION_FAILED', name)
    t.strictSame(pathsOf(err), paths, name)
    if (message !== undefined) t.match(messageAt(err, paths[0] as string), message, name)
  }
})
