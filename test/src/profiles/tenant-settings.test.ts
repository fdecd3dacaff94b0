import t from 'tap'
import { getProfile, PROFILES, resolveTenantSettings } from '../../../src/profiles/index.js'
import { PROFILE_NAMES, type ProfileName } from '../../../src/types.js'
import { caught, messageAt, pathsOf } from './fixtures/tenants.js'

const claimsSchema = { type: 'object', properties: { sub: { type: 'string' } } }
/** The least a tenant of the profile must set: its example's settings, which name every required option. */
const minimal = (profile: ProfileName): Parameters<typeof resolveTenantSettings>[0] => ({ profile, ...PROFILES[profile].example.settings })

t.test('defaults: the first allowed alg, the profile policy, option defaults', async t => {
  for (const name of PROFILE_NAMES) {
    const settings = resolveTenantSettings(minimal(name))
    t.equal(settings.alg, PROFILES[name].algs[0], `${name}: the first alg`)
    t.strictSame(settings.tokenPolicy, PROFILES[name].policyDefaults, `${name}: the profile policy`)
  }
  const expected = {
    smooch: { alg: 'HS256', profileOptions: {} },
    khoros: { alg: 'HS256', profileOptions: { platform: 'web' } },
    tiledesk: { alg: 'HS256', profileOptions: { projectId: '64f0c2a1b2' } },
    sceyt: { alg: 'RS256', profileOptions: { applicationId: '8lwox2ge93' } },
    'chat-widget': { alg: 'HS256', profileOptions: {} },
    custom: { alg: 'HS256', profileOptions: {} }
  } as const
  for (const name of Object.keys(expected) as Array<keyof typeof expected>) {
    const { alg, profileOptions } = resolveTenantSettings(minimal(name))
    t.strictSame({ alg, profileOptions }, expected[name], `${name}: option defaults`)
  }
})

t.test('the returned options are a copy', async t => {
  const profileOptions = { projectId: 'p1' }
  const settings = resolveTenantSettings({ profile: 'tiledesk', profileOptions })
  settings.profileOptions.projectId = 'changed'
  t.equal(profileOptions.projectId, 'p1')
})

t.test('an unknown profile names /profile', async t => {
  for (const name of ['zendesk', 'constructor', '__proto__', '']) {
    const err = caught(() => resolveTenantSettings({ profile: name }))
    t.equal(err.code, 'VALIDATION_FAILED', name)
    t.strictSame(pathsOf(err), ['/profile'], name)
    t.strictSame(pathsOf(caught(() => getProfile(name))), ['/profile'], name)
  }
})

t.test('alg: none never, and only the profile\'s algorithms', async t => {
  t.match(messageAt(caught(() => resolveTenantSettings({ profile: 'smooch', alg: 'none' })), '/alg'), /never allowed/)
  t.match(messageAt(caught(() => resolveTenantSettings({ profile: 'custom', claimsSchema, alg: 'None' })), '/alg'), /never allowed/)
  t.match(messageAt(caught(() => resolveTenantSettings({ profile: 'tiledesk', profileOptions: { projectId: 'p1' }, alg: 'RS256' })), '/alg'), /HS256 for the tiledesk profile/)
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'chat-widget', alg: null }))), ['/alg'])
})

t.test('profileOptions: an object matching the profile\'s options schema', async t => {
  const cases: Array<{ input: Parameters<typeof resolveTenantSettings>[0], paths: string[] }> = [
    { input: { profile: 'smooch', profileOptions: 'x' }, paths: ['/profileOptions'] },
    { input: { profile: 'smooch', profileOptions: [] }, paths: ['/profileOptions'] },
    { input: { profile: 'chat-widget', profileOptions: { maxTtl: 600 } }, paths: ['/profileOptions/maxTtl'] },
    { input: { profile: 'sceyt', profileOptions: { applicationId: 7 } }, paths: ['/profileOptions/applicationId'] },
    { input: { profile: 'tiledesk', profileOptions: JSON.parse('{"projectId":"p","__proto__":{}}') }, paths: ['/profileOptions/__proto__'] }
  ]
  for (const { input, paths } of cases) t.strictSame(pathsOf(caught(() => resolveTenantSettings(input))), paths, JSON.stringify(input))
})

t.test('tokenPolicy: completed from the profile defaults, then checked against the profile', async t => {
  t.strictSame(resolveTenantSettings({ profile: 'smooch', tokenPolicy: { maxTtl: 300 } }).tokenPolicy, { defaultTtl: 300, minTtl: 60, maxTtl: 300, clockSkew: 30 })
  t.strictSame(resolveTenantSettings({ ...minimal('sceyt'), tokenPolicy: { defaultTtl: 43_200 } }).tokenPolicy,
    { defaultTtl: 43_200, minTtl: 600, maxTtl: 43_200, clockSkew: 30 })
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'smooch', tokenPolicy: { ttl: 5 } }))), ['/tokenPolicy/ttl'])
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'smooch', tokenPolicy: { clockSkew: 601 } }))), ['/tokenPolicy/clockSkew'])
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ ...minimal('sceyt'), tokenPolicy: { maxTtl: 50_000 } }))), ['/tokenPolicy/maxTtl'])
})

t.test('claimsSchema and staticClaims belong to the custom profile', async t => {
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'smooch', claimsSchema }))), ['/claimsSchema'])
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'smooch', staticClaims: { a: 1 } }))), ['/staticClaims'])
  const missing = caught(() => resolveTenantSettings({ profile: 'custom' }))
  t.equal(missing.code, 'INVALID_SCHEMA')
  t.strictSame(pathsOf(missing), ['/claimsSchema'])
})

t.test('schema problems alone are INVALID_SCHEMA; mixed with others, VALIDATION_FAILED with all of them', async t => {
  const remote = { type: 'object', properties: { a: { $ref: 'https://x/y' } } }
  const alone = caught(() => resolveTenantSettings({ profile: 'custom', claimsSchema: remote }))
  t.equal(alone.code, 'INVALID_SCHEMA')
  t.strictSame(pathsOf(alone), ['/claimsSchema/properties/a/$ref'])
  const mixed = caught(() => resolveTenantSettings({ profile: 'custom', claimsSchema: remote, alg: 'none' }))
  t.equal(mixed.code, 'VALIDATION_FAILED')
  t.strictSame(pathsOf(mixed), ['/alg', '/claimsSchema/properties/a/$ref'])
})
