import fc from 'fast-check'
import t from 'tap'
import { isDeepStrictEqual } from 'node:util'
import { compileTenantProfile, resolveTenantSettings } from '../../../src/profiles/index.js'
import { caught, IAT, messageAt, pathsOf, tenantOf } from './fixtures/tenants.js'

const PROJECT = '5c81593adf767b0017d1aa68'
const tenant = tenantOf('tiledesk', { profileOptions: { projectId: PROJECT } })
const profile = compileTenantProfile(tenant)
const exp = IAT + 3600
const AUD = `https://tiledesk.com/projects/${PROJECT}`

t.test('full claims: user fields, fixed sub and aud, attributes at the top level', async t => {
  const { input } = profile.validateBody({
    _id: '123456',
    firstname: 'Andrea',
    lastname: 'Leo',
    email: 'andrea.leo@example.com',
    attributes: { plan: 'gold', region: 'eu' }
  })
  const built = profile.buildClaims({ body: input, iat: IAT, exp })
  t.strictSame(built.claims, {
    _id: '123456',
    sub: 'userexternal',
    aud: AUD,
    firstname: 'Andrea',
    lastname: 'Leo',
    email: 'andrea.leo@example.com',
    plan: 'gold',
    region: 'eu',
    iat: IAT,
    exp
  })
  t.equal(built.header, undefined)
})

t.test('optional fields absent from the body are absent from the token', async t => {
  const { input } = profile.validateBody({ _id: 'u' })
  t.strictSame(profile.buildClaims({ body: input, iat: IAT, exp }).claims, { _id: 'u', sub: 'userexternal', aud: AUD, iat: IAT, exp })
})

t.test('projectId is a required option', async t => {
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'tiledesk' }))), ['/profileOptions/projectId'])
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'tiledesk', profileOptions: { projectId: '../x' } }))), ['/profileOptions/projectId'])
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'tiledesk', profileOptions: { projectId: 42 } }))), ['/profileOptions/projectId'])
})

t.test('strict validation', async t => {
  const cases: Array<{ name: string, body: unknown, paths: string[], message?: RegExp }> = [
    { name: '_id missing', body: { firstname: 'A' }, paths: ['/_id'], message: /required/ },
    { name: '_id a number', body: { _id: 1 }, paths: ['/_id'], message: /string/ },
    { name: 'bad email', body: { _id: 'u', email: 'not-an-email' }, paths: ['/email'], message: /email/ },
    { name: 'unknown field', body: { _id: 'u', customAttr: 'c1' }, paths: ['/customAttr'], message: /not an allowed/ },
    { name: 'sub in the body', body: { _id: 'u', sub: 'admin' }, paths: ['/sub'], message: /tiledesk profile/ },
    { name: 'aud in the body', body: { _id: 'u', aud: 'https://tiledesk.com/projects/other' }, paths: ['/aud'], message: /tiledesk profile/ },
    { name: 'attributes not an object', body: { _id: 'u', attributes: ['a'] }, paths: ['/attributes'] },
    { name: 'attribute not a string', body: { _id: 'u', attributes: { n: 1 } }, paths: ['/attributes/n'], message: /string/ },
    { name: 'attribute with an empty name', body: { _id: 'u', attributes: { '': 'x' } }, paths: ['/attributes/'] },
    { name: 'attribute name with a slash', body: { _id: 'u', attributes: { 'a/b': 2 } }, paths: ['/attributes/a~1b'] },
    { name: '__proto__ attribute', body: JSON.parse('{"_id":"u","attributes":{"__proto__":"x"}}'), paths: ['/attributes/__proto__'], message: /reserved/ },
    { name: 'constructor attribute', body: { _id: 'u', attributes: { constructor: 'x' } }, paths: ['/attributes/constructor'], message: /reserved/ }
  ]
  for (const { name, body, paths, message } of cases) {
    const err = caught(() => profile.validateBody(body))
    t.equal(err.code, 'VALIDATION_FAILED', name)
    t.strictSame(pathsOf(err), paths, name)
    if (message !== undefined) t.match(messageAt(err, paths[0] as string), message, name)
  }
})

t.test('attributes may not override claims the profile sets or its user fields', async t => {
  for (const name of ['sub', 'aud', 'iat', 'exp', 'nbf', 'iss', 'jti']) {
    const err = caught(() => profile.validateBody({ _id: 'u', attributes: { [name]: 'x' } }))
    t.strictSame(pathsOf(err), [`/attributes/${name}`], name)
    t.match(messageAt(err, `/attributes/${name}`), /set by the tiledesk profile/, name)
  }
  for (const name of ['_id', 'firstname', 'lastname', 'email']) {
    const err = caught(() => profile.validateBody({ _id: 'u', attributes: { [name]: 'x' } }))
    t.strictSame(pathsOf(err), [`/attributes/${name}`], name)
    t.match(messageAt(err, `/attributes/${name}`), /would override/, name)
  }
})

t.test('any set of non-colliding string attributes lands unchanged at the top level', async t => {
  const reserved = new Set(['sub', 'aud', 'iat', 'exp', 'nbf', 'iss', 'jti', '_id', 'firstname', 'lastname', 'email', '__proto__', 'constructor', 'prototype'])
  const name = fc.string({ minLength: 1, maxLength: 20 }).filter(key => !reserved.has(key))
  t.doesNotThrow(() => fc.assert(fc.property(fc.dictionary(name, fc.string({ maxLength: 30 }), { maxKeys: 10 }), attributes => {
    const { input } = profile.validateBody({ _id: 'u', attributes })
    const claims = profile.buildClaims({ body: input, iat: IAT, exp }).claims
    return isDeepStrictEqual(claims, { _id: 'u', sub: 'userexternal', aud: AUD, ...attributes, iat: IAT, exp })
  })))
})

t.test('claim building never writes a prototype, even when handed a __proto__ attribute', async t => {
  const body = JSON.parse('{"_id":"u","attributes":{"__proto__":{"polluted":true}}}')
  const { claims } = profile.buildClaims({ body, iat: IAT, exp })
  t.equal(Object.getPrototypeOf(claims), Object.prototype)
  t.ok(Object.hasOwn(claims, '__proto__'))
  t.equal((claims as Record<string, unknown>).polluted, undefined)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})
