import t from 'tap'
import { compileTenantProfile, getProfile } from '../../../src/profiles/index.js'
import { PROFILE_NAMES } from '../../../src/types.js'
import { caught, IAT, pathsOf, tenantOf } from './fixtures/tenants.js'

t.test('every profile owns iat, exp, nbf, iss and jti, and documents ttl in its request schema', async t => {
  for (const name of PROFILE_NAMES) {
    const profile = getProfile(name)
    for (const claim of ['iat', 'exp', 'nbf', 'iss', 'jti']) t.ok(profile.ownedClaims.includes(claim), `${name} owns ${claim}`)
    const request = profile.requestSchema as { properties?: object }
    t.ok(request.properties !== undefined && Object.hasOwn(request.properties, 'ttl'), `${name} documents ttl`)
    t.ok(profile.algs.length > 0, `${name} has a default alg`)
  }
  t.ok(getProfile('tiledesk').ownedClaims.includes('sub'))
  t.notOk(getProfile('sceyt').ownedClaims.includes('sub'))
  t.ok(getProfile('sceyt').ownedClaims.includes('aid'))
  t.ok(getProfile('smooch').ownedClaims.includes('scope'))
})

t.test('request schemas of the fixed profiles refuse unknown fields; the custom one defers to the tenant schema', async t => {
  for (const name of PROFILE_NAMES) {
    const { requestSchema, optionsSchema } = getProfile(name) as unknown as Record<string, { additionalProperties?: unknown }>
    t.equal(requestSchema?.additionalProperties, name === 'custom', name)
    t.equal(optionsSchema?.additionalProperties, false, name)
  }
})

t.test('the compiled profile ignores a tenant passed to buildClaims', async t => {
  const profile = compileTenantProfile(tenantOf('sceyt', { profileOptions: { applicationId: 'mine' } }))
  const other = tenantOf('sceyt', { profileOptions: { applicationId: 'theirs' } })
  t.equal(profile.buildClaims({ tenant: other, body: { sub: 'u' }, iat: IAT, exp: IAT + 600 }).claims.aid, 'mine')
})

t.test('buildClaims refuses non-integer times and lifetimes out of the profile range', async t => {
  const profile = compileTenantProfile(tenantOf('smooch'))
  for (const [iat, exp] of [[IAT, IAT], [IAT, IAT - 1], [IAT + 0.5, IAT + 60], [IAT, IAT + 2_592_001]] as const) {
    const err = caught(() => profile.buildClaims({ body: { userId: 'u' }, iat, exp }))
    t.equal(err.code, 'TTL_OUT_OF_RANGE', `${iat}..${exp}`)
    t.strictSame(pathsOf(err), ['/ttl'])
  }
})
