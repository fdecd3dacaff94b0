// Each profile's verify rules: the claims it builds pass them, and each refused claim gets its exact reason.
import t from 'tap'
import { compileTenantProfile, getProfile } from '../../../src/profiles/index.js'
import type { JsonObject, Tenant } from '../../../src/types.js'
import { IAT, tenantOf } from './fixtures/tenants.js'

/** The reasons the tenant's profile gives for the claims it would build from `body`, changed by `change`. */
function reasonsFor (tenant: Tenant, body: JsonObject, change: JsonObject = {}): string[] {
  return getProfile(tenant.profile).verifyClaims(claimsFor(tenant, body, change), tenant, {})
}

/** The claims the tenant's profile builds from `body`; members of `change` replace them, undefined ones remove them. */
function claimsFor (tenant: Tenant, body: JsonObject, change: JsonObject = {}): JsonObject {
  const compiled = compileTenantProfile(tenant)
  const claims = { ...compiled.buildClaims({ body: compiled.validateBody(body).input, iat: IAT, exp: IAT + 600 }).claims, ...change }
  for (const [name, value] of Object.entries(change)) if (value === undefined) delete claims[name]
  return claims
}

t.test('smooch: scope appUser and a string userId', async t => {
  const tenant = tenantOf('smooch')
  t.same(reasonsFor(tenant, { userId: 'u' }), [])
  t.same(reasonsFor(tenant, { userId: 'u' }, { scope: 'user', userId: 42 }), [
    'claim scope must be "appUser"',
    'claim userId must be a non-empty string (a number is refused)'
  ])
})

t.test('khoros: scope, userId and one of the platforms', async t => {
  const tenant = tenantOf('khoros')
  t.same(reasonsFor(tenant, { userId: 'u', givenName: 'Ada' }), [])
  t.same(reasonsFor(tenant, { userId: 'u', givenName: 'Ada' }, { scope: undefined, userId: '', platform: 'tv' }), [
    'claim scope must be "appUser"',
    'claim userId must be a non-empty string',
    'claim platform must be ios, android or web'
  ])
})

t.test('tiledesk: _id, sub userexternal and the project audience', async t => {
  const tenant = tenantOf('tiledesk', { profileOptions: { projectId: 'p1' } })
  t.same(reasonsFor(tenant, { _id: 'u' }), [])
  t.same(reasonsFor(tenant, { _id: 'u' }, { _id: 7, sub: 'u', aud: 'https://tiledesk.com/projects/p2' }), [
    'claim _id must be a non-empty string',
    'claim sub must be "userexternal"',
    'claim aud must be the project\'s audience'
  ])
})

t.test('sceyt: sub, the application id and nbf', async t => {
  const tenant = tenantOf('sceyt', { profileOptions: { applicationId: 'app-1' } })
  t.same(reasonsFor(tenant, { sub: 'u' }), [])
  t.same(reasonsFor(tenant, { sub: 'u' }, { sub: undefined, aid: 'app-2', nbf: undefined }), [
    'claim sub must be a non-empty string',
    'claim aid must be the application id',
    'claim nbf is required'
  ])
})

t.test('chat-widget: name, email, and external_id when present', async t => {
  const tenant = tenantOf('chat-widget')
  const body = { name: 'Jane', email: 'jane@example.com', external_id: 'user-1' }
  t.same(reasonsFor(tenant, body), [])
  t.same(reasonsFor(tenant, body, { external_id: undefined }), [], 'a token without external_id')
  t.same(reasonsFor(tenant, body, { name: '', email: undefined, external_id: 'not valid' }), [
    'claim name must be a non-empty string',
    'claim email must be a non-empty string',
    'claim external_id must match ^[A-Za-z0-9._-]{1,255}$'
  ])
})

t.test('custom: static claims, the configured audience and the request claims its schema checks', async t => {
  const claimsSchema = { type: 'object', properties: { sub: { type: 'string' } }, required: ['sub'] }
  const tenant = tenantOf('custom', { claimsSchema, staticClaims: { tier: ['a', 'b'] }, profileOptions: { audience: ['x', 'y'] } })
  t.same(reasonsFor(tenant, { sub: 'u' }), [])
  t.same(reasonsFor(tenant, { sub: 'u' }, { tier: ['b', 'a'], aud: 'x' }), [
    'claim tier must equal the tenant\'s static claim',
    'claim aud must be the configured audience'
  ], 'lists compare in their order, as issued')
  const requestClaims = getProfile('custom').compileClaimsValidator?.(tenant)
  t.same(getProfile('custom').verifyClaims(claimsFor(tenant, { sub: 'u' }, { sub: undefined, role: 'x' }), tenant, { requestClaims }), [
    'claim sub is required',
    'claim role is not an allowed field'
  ], 'only the request claims meet the schema: the owned and static ones are left out')
  t.equal(getProfile('custom').configuredIssuer?.(tenantOf('custom', { claimsSchema, profileOptions: { issuer: 'https://id.example' } })), 'https://id.example')
  t.equal(getProfile('custom').configuredIssuer?.(tenant), undefined)
  t.equal(getProfile('smooch').configuredIssuer, undefined, 'other profiles configure no issuer')
})
