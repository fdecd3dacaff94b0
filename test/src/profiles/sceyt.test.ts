import t from 'tap'
import { compileTenantProfile, getProfile, resolveTenantSettings, validatePolicy } from '../../../src/profiles/index.js'
import type { TokenPolicy } from '../../../src/types.js'
import { caught, IAT, messageAt, pathsOf, tenantOf } from './fixtures/tenants.js'

const options = { profileOptions: { applicationId: 'app-8a3c' } }
const profile = compileTenantProfile(tenantOf('sceyt', options))
const ISSUER = 'https://tm.example/t/acme-sceyt'

t.test('claims: sub, aid from the options, iat, nbf = iat by default, exp; iss from the caller', async t => {
  const { input } = profile.validateBody({ sub: 'user-1' })
  const built = profile.buildClaims({ body: input, iat: IAT, exp: IAT + 3600, issuer: ISSUER })
  t.strictSame(built.claims, { sub: 'user-1', aid: 'app-8a3c', iss: ISSUER, iat: IAT, nbf: IAT, exp: IAT + 3600 })
  t.equal(built.header, undefined)
  t.strictSame(profile.buildClaims({ body: input, iat: IAT, exp: IAT + 600 }).claims,
    { sub: 'user-1', aid: 'app-8a3c', iat: IAT, nbf: IAT, exp: IAT + 600 })
})

t.test('notBefore is seconds after iat and must stay under the lifetime', async t => {
  const { input } = profile.validateBody({ sub: 'u', notBefore: 30 })
  t.equal(profile.buildClaims({ body: input, iat: IAT, exp: IAT + 600 }).claims.nbf, IAT + 30)
  t.equal(profile.buildClaims({ body: { sub: 'u', notBefore: 599 }, iat: IAT, exp: IAT + 600 }).claims.nbf, IAT + 599)
  const err = caught(() => profile.buildClaims({ body: { sub: 'u', notBefore: 600 }, iat: IAT, exp: IAT + 600 }))
  t.equal(err.code, 'VALIDATION_FAILED')
  t.strictSame(pathsOf(err), ['/notBefore'])
  t.match(messageAt(err, '/notBefore'), /less than the token lifetime \(600 s\)/)
})

t.test('strict validation', async t => {
  const cases: Array<{ name: string, body: unknown, paths: string[], message?: RegExp }> = [
    { name: 'sub missing', body: {}, paths: ['/sub'], message: /required/ },
    { name: 'sub a number', body: { sub: 7 }, paths: ['/sub'], message: /string/ },
    { name: 'negative notBefore', body: { sub: 'u', notBefore: -1 }, paths: ['/notBefore'] },
    { name: 'fractional notBefore', body: { sub: 'u', notBefore: 1.5 }, paths: ['/notBefore'] },
    { name: 'string notBefore', body: { sub: 'u', notBefore: '5' }, paths: ['/notBefore'] },
    { name: 'aid in the body', body: { sub: 'u', aid: 'other-app' }, paths: ['/aid'], message: /sceyt profile/ },
    { name: 'nbf in the body', body: { sub: 'u', nbf: 0 }, paths: ['/nbf'], message: /sceyt profile/ },
    { name: 'unknown field', body: { sub: 'u', user: 'x' }, paths: ['/user'], message: /not an allowed/ }
  ]
  for (const { name, body, paths, message } of cases) {
    const err = caught(() => profile.validateBody(body))
    t.equal(err.code, 'VALIDATION_FAILED', name)
    t.strictSame(pathsOf(err), paths, name)
    if (message !== undefined) t.match(messageAt(err, paths[0] as string), message, name)
  }
})

t.test('RS256 only, applicationId required', async t => {
  t.equal(resolveTenantSettings({ profile: 'sceyt', ...options }).alg, 'RS256')
  for (const alg of ['HS256', 'ES256', 'EdDSA']) {
    t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'sceyt', ...options, alg }))), ['/alg'], alg)
  }
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'sceyt' }))), ['/profileOptions/applicationId'])
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'sceyt', profileOptions: { applicationId: '' } }))), ['/profileOptions/applicationId'])
})

t.test('policy: defaults inside 10 min .. 12 h, and the limits hold', async t => {
  const sceyt = getProfile('sceyt')
  t.strictSame(resolveTenantSettings({ profile: 'sceyt', ...options }).tokenPolicy, { defaultTtl: 3600, minTtl: 600, maxTtl: 43_200, clockSkew: 30 })
  const at = (policy: Partial<TokenPolicy>): TokenPolicy => ({ ...sceyt.policyDefaults, ...policy })
  t.strictSame(validatePolicy(sceyt, at({ minTtl: 600, defaultTtl: 600, maxTtl: 43_200 })), at({ minTtl: 600, defaultTtl: 600, maxTtl: 43_200 }))
  t.strictSame(pathsOf(caught(() => validatePolicy(sceyt, at({ minTtl: 599 })))), ['/tokenPolicy/minTtl'])
  t.strictSame(pathsOf(caught(() => validatePolicy(sceyt, at({ maxTtl: 43_201 })))), ['/tokenPolicy/maxTtl'])
  t.strictSame(pathsOf(caught(() => validatePolicy(sceyt, at({ defaultTtl: 300 })))), ['/tokenPolicy/defaultTtl'])
})

t.test('a lifetime outside 600..43200 never becomes a token, whatever the caller computed', async t => {
  for (const ttl of [599, 43_201]) {
    const err = caught(() => profile.buildClaims({ body: { sub: 'u' }, iat: IAT, exp: IAT + ttl }))
    t.equal(err.code, 'TTL_OUT_OF_RANGE', String(ttl))
  }
})
