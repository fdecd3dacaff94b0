import t from 'tap'
import { compileTenantProfile, getProfile, resolveTenantSettings } from '../../../src/profiles/index.js'
import type { JsonObject } from '../../../src/types.js'
import { caught, IAT, messageAt, pathsOf, tenantOf, type TenantInput } from './fixtures/tenants.js'

const exp = IAT + 3600
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const claimsSchema = {
  type: 'object',
  required: ['sub'],
  properties: {
    sub: { type: 'string', minLength: 1 },
    role: { enum: ['agent', 'visitor'] },
    age: { type: 'integer', minimum: 0 },
    org: { $ref: '#/$defs/org' }
  },
  $defs: { org: { type: 'object', required: ['id'], properties: { id: { type: 'string' } }, additionalProperties: false } }
}

function compiled (input: TenantInput = {}): ReturnType<typeof compileTenantProfile> {
  return compileTenantProfile(tenantOf('custom', { claimsSchema, ...input }))
}

function claimsOf (input: TenantInput, body: JsonObject, issuer?: string): JsonObject {
  const profile = compiled(input)
  return profile.buildClaims({ body: profile.validateBody(body).input, iat: IAT, exp, ...(issuer === undefined ? {} : { issuer }) }).claims
}

t.test('claims: static claims + validated request claims + iat, exp; no header extras', async t => {
  const claims = claimsOf({ staticClaims: { tenant: 'acme', tier: { level: 2 } } }, { sub: 'u-1', role: 'agent', org: { id: 'o1' } })
  t.strictSame(claims, { tenant: 'acme', tier: { level: 2 }, sub: 'u-1', role: 'agent', org: { id: 'o1' }, iat: IAT, exp })
  t.equal(compiled().buildClaims({ body: { sub: 'u' }, iat: IAT, exp }).header, undefined)
})

t.test('ttl is not a claim', async t => {
  const profile = compiled()
  t.strictSame(profile.validateBody({ sub: 'u', ttl: 60 }), { ttl: 60, input: { sub: 'u' } })
})

t.test('iss: the caller\'s issuer, unless profileOptions.issuer is set', async t => {
  t.strictSame(claimsOf({}, { sub: 'u' }, 'https://tm.example/t/acme'), { sub: 'u', iss: 'https://tm.example/t/acme', iat: IAT, exp })
  t.strictSame(claimsOf({ profileOptions: { issuer: 'https://id.acme.example' } }, { sub: 'u' }),
    { sub: 'u', iss: 'https://id.acme.example', iat: IAT, exp })
  t.strictSame(claimsOf({ profileOptions: { issuer: 'https://id.acme.example' } }, { sub: 'u' }, 'https://tm.example/t/acme'),
    { sub: 'u', iss: 'https://id.acme.example', iat: IAT, exp })
  t.strictSame(claimsOf({}, { sub: 'u' }), { sub: 'u', iat: IAT, exp })
})

t.test('aud from profileOptions.audience, a string or a list', async t => {
  t.strictSame(claimsOf({ profileOptions: { audience: 'chat.acme.example' } }, { sub: 'u' }), { sub: 'u', aud: 'chat.acme.example', iat: IAT, exp })
  t.strictSame(claimsOf({ profileOptions: { audience: ['a', 'b'] } }, { sub: 'u' }), { sub: 'u', aud: ['a', 'b'], iat: IAT, exp })
})

t.test('jti: a fresh random UUID per token when profileOptions.jti is true', async t => {
  const profile = compiled({ profileOptions: { jti: true } })
  const one = profile.buildClaims({ body: { sub: 'u' }, iat: IAT, exp }).claims
  const two = profile.buildClaims({ body: { sub: 'u' }, iat: IAT, exp }).claims
  t.match(one.jti, UUID)
  t.match(two.jti, UUID)
  t.not(one.jti, two.jti)
  const { jti, ...rest } = one
  t.strictSame(rest, { sub: 'u', iat: IAT, exp })
  t.notOk(Object.hasOwn(claimsOf({ profileOptions: { jti: false } }, { sub: 'u' }), 'jti'))
})

t.test('the request is validated by the tenant schema, strictly', async t => {
  const profile = compiled({ staticClaims: { tenant: 'acme' } })
  const cases: Array<{ name: string, body: unknown, paths: string[], message?: RegExp }> = [
    { name: 'required claim missing', body: { role: 'agent' }, paths: ['/sub'], message: /required/ },
    { name: 'number for a string', body: { sub: 1 }, paths: ['/sub'], message: /string/ },
    { name: 'string for an integer', body: { sub: 'u', age: '42' }, paths: ['/age'], message: /integer/ },
    { name: 'value outside an enum', body: { sub: 'u', role: 'admin' }, paths: ['/role'] },
    { name: 'nested error through a local $ref', body: { sub: 'u', org: { id: 1 } }, paths: ['/org/id'] },
    { name: 'nested unknown field', body: { sub: 'u', org: { id: 'o', x: 1 } }, paths: ['/org/x'], message: /not an allowed/ },
    { name: 'claim the schema does not describe', body: { sub: 'u', admin: true }, paths: ['/admin'], message: /not an allowed/ },
    { name: 'iat', body: { sub: 'u', iat: 1 }, paths: ['/iat'], message: /custom profile/ },
    { name: 'exp', body: { sub: 'u', exp: 1 }, paths: ['/exp'], message: /custom profile/ },
    { name: 'nbf', body: { sub: 'u', nbf: 1 }, paths: ['/nbf'], message: /custom profile/ },
    { name: 'iss', body: { sub: 'u', iss: 'x' }, paths: ['/iss'], message: /custom profile/ },
    { name: 'aud', body: { sub: 'u', aud: 'x' }, paths: ['/aud'], message: /custom profile/ },
    { name: 'jti', body: { sub: 'u', jti: 'x' }, paths: ['/jti'], message: /custom profile/ },
    { name: 'a static claim', body: { sub: 'u', tenant: 'other' }, paths: ['/tenant'], message: /static claims/ },
    { name: 'a nested __proto__', body: JSON.parse('{"sub":"u","org":{"id":"o","__proto__":{"admin":true}}}'), paths: ['/org/__proto__'], message: /reserved/ },
    { name: 'a string ttl', body: { sub: 'u', ttl: '60' }, paths: ['/ttl'], message: /integer/ },
    { name: 'not an object', body: [], paths: [''] }
  ]
  for (const { name, body, paths, message } of cases) {
    const err = caught(() => profile.validateBody(body))
    t.equal(err.code, 'VALIDATION_FAILED', name)
    t.strictSame(pathsOf(err), paths, name)
    if (message !== undefined) t.match(messageAt(err, paths[0] as string), message, name)
  }
})

t.test('a schema that opens additional properties accepts them; one that closes them is respected', async t => {
  const open = compileTenantProfile(tenantOf('custom', { claimsSchema: { type: 'object', properties: { sub: { type: 'string' } }, additionalProperties: { type: 'string' } } }))
  t.strictSame(open.validateBody({ sub: 'u', team: 'blue' }).input, { sub: 'u', team: 'blue' })
  t.strictSame(pathsOf(caught(() => open.validateBody({ sub: 'u', team: 3 }))), ['/team'])
  t.strictSame(pathsOf(caught(() => open.validateBody({ sub: 'u', iat: 'x' }))), ['/iat'])
})

t.test('settings: any of the four algorithms, HS256 by default, never none', async t => {
  t.strictSame(getProfile('custom').algs, ['HS256', 'RS256', 'ES256', 'EdDSA'])
  t.equal(resolveTenantSettings({ profile: 'custom', claimsSchema }).alg, 'HS256')
  for (const alg of ['RS256', 'ES256', 'EdDSA']) t.equal(resolveTenantSettings({ profile: 'custom', claimsSchema, alg }).alg, alg)
  for (const alg of ['none', 'NONE', 'HS512', 'PS256', 7]) {
    t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'custom', claimsSchema, alg }))), ['/alg'], String(alg))
  }
})

t.test('settings: options and static claims are checked', async t => {
  const cases: Array<{ name: string, input: TenantInput, paths: string[] }> = [
    { name: 'unknown option', input: { profileOptions: { audiences: 'x' } }, paths: ['/profileOptions/audiences'] },
    { name: 'empty audience list', input: { profileOptions: { audience: [] } }, paths: ['/profileOptions/audience'] },
    { name: 'jti not a boolean', input: { profileOptions: { jti: 'yes' } }, paths: ['/profileOptions/jti'] },
    { name: 'static iat', input: { staticClaims: { iat: 0 } }, paths: ['/staticClaims/iat'] },
    { name: 'static aud', input: { staticClaims: { aud: 'x' } }, paths: ['/staticClaims/aud'] },
    { name: 'static __proto__', input: { staticClaims: JSON.parse('{"__proto__":{"a":1}}') }, paths: ['/staticClaims/__proto__'] },
    { name: 'static claim also requestable', input: { staticClaims: { role: 'agent' } }, paths: ['/staticClaims/role'] },
    { name: 'static claims not an object', input: { staticClaims: ['a'] }, paths: ['/staticClaims'] },
    { name: 'static claims over 16 KiB', input: { staticClaims: { blob: 'x'.repeat(16 * 1024) } }, paths: ['/staticClaims'] }
  ]
  for (const { name, input, paths } of cases) {
    const err = caught(() => resolveTenantSettings({ profile: 'custom', claimsSchema, ...input }))
    t.equal(err.code, 'VALIDATION_FAILED', name)
    t.strictSame(pathsOf(err), paths, name)
  }
  t.match(messageAt(caught(() => resolveTenantSettings({ profile: 'custom', claimsSchema, staticClaims: { iss: 'x' } })), '/staticClaims/iss'), /custom profile/)
})

t.test('a tenant without a claims schema cannot be compiled', async t => {
  const tenant = { ...tenantOf('custom', { claimsSchema }) }
  delete tenant.claimsSchema
  const err = caught(() => compileTenantProfile(tenant))
  t.equal(err.code, 'INVALID_SCHEMA')
  t.strictSame(pathsOf(err), ['/claimsSchema'])
})
