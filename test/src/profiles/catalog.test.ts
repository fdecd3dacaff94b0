// The profiles described as data: the dashboard's option fields and the OpenAPI body, both from the registry.
import t from 'tap'
import { compileTenantProfile, describeProfiles, getProfile, issueBodyDocument } from '../../../src/profiles/index.js'
import { PROFILE_NAMES } from '../../../src/types.js'
import { IAT, tenantOf } from './fixtures/tenants.js'

t.test('every profile is described, in registry order, with its title, algorithms and example', async t => {
  const described = describeProfiles()
  t.same(described.map(p => p.name), [...PROFILE_NAMES])
  for (const entry of described) {
    const profile = getProfile(entry.name)
    t.equal(entry.title, profile.title)
    t.same(entry.algs, profile.algs)
    t.same(JSON.parse(JSON.stringify(entry)), entry, `${entry.name}: plain JSON data`)
    t.equal(entry.tenantClaims, entry.name === 'custom', `${entry.name}: only custom takes a claims schema`)
    t.equal(entry.importFirst, ['smooch', 'khoros', 'tiledesk', 'chat-widget'].includes(entry.name),
      `${entry.name}: the dashboard offers import first exactly for the HS256-only platforms, whose dashboards show the secret`)
  }
})

t.test('option fields follow the options schemas', async t => {
  const byName = new Map(describeProfiles().map(p => [p.name, p.options]))
  t.same(byName.get('smooch'), [])
  t.same(byName.get('chat-widget'), [])
  const platform = { name: 'platform', label: 'Default platform', hint: 'The platform of a token request that names none', required: false }
  t.same(byName.get('khoros'), [{ ...platform, input: 'select', choices: ['ios', 'android', 'web'], default: 'web' }])
  t.match(byName.get('tiledesk'), [{ name: 'projectId', label: 'Project id', required: true, input: 'text', example: '64f0c2a1b2' }])
  t.match(byName.get('sceyt'), [{ name: 'applicationId', label: 'Application id', required: true, input: 'text', example: '8lwox2ge93' }])
  t.match(byName.get('custom'), [
    { name: 'issuer', label: 'Issuer', required: false, input: 'text' },
    { name: 'audience', label: 'Audience', required: false, input: 'json' },
    { name: 'jti', label: 'Random jti', required: false, input: 'checkbox' }
  ])
})

t.test('each example fits its profile: the settings resolve, the request validates and its claims pass verify', async t => {
  for (const name of PROFILE_NAMES) {
    const profile = getProfile(name)
    const tenant = tenantOf(name, profile.example.settings ?? {})
    const compiled = compileTenantProfile(tenant)
    const { input, ttl } = compiled.validateBody(structuredClone(profile.example.request))
    const { claims } = compiled.buildClaims({ body: input, iat: IAT, exp: IAT + (ttl ?? tenant.tokenPolicy.defaultTtl) })
    const requestClaims = profile.compileClaimsValidator?.(tenant)
    t.same(profile.verifyClaims(claims, tenant, { requestClaims }), [], name)
  }
})

t.test('the OpenAPI body is one titled branch per profile, with named examples', async t => {
  const doc = issueBodyDocument()
  const branches = doc.oneOf as Array<{ title: string, description: string, properties: object }>
  t.same(branches.map(branch => branch.title), [...PROFILE_NAMES])
  t.same(Object.keys(doc['x-examples'] as object), [...PROFILE_NAMES])
  t.match(branches[PROFILE_NAMES.indexOf('custom')].description, 'validated by the tenant\'s claimsSchema', 'the schema\'s own note is kept')
  const before = JSON.stringify(getProfile('smooch').requestSchema)
  ;(branches[0].properties as Record<string, unknown>).userId = null
  t.equal(JSON.stringify(getProfile('smooch').requestSchema), before, 'a copy: the docs generator may change it freely')
})
