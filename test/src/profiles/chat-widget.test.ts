import t from 'tap'
import { compileTenantProfile, getProfile, resolveTenantSettings, validatePolicy } from '../../../src/profiles/index.js'
import type { TokenPolicy } from '../../../src/types.js'
import { caught, IAT, messageAt, pathsOf, tenantOf } from './fixtures/tenants.js'

const profile = compileTenantProfile(tenantOf('chat-widget'))
const visitor = { name: 'Ada Lovelace', email: 'ada@example.com', external_id: 'user-123456' }

t.test('claims: name, email, external_id, iat, exp', async t => {
  const { ttl, input } = profile.validateBody({ ...visitor, ttl: 300 })
  t.equal(ttl, 300)
  const built = profile.buildClaims({ body: input, iat: IAT, exp: IAT + 300 })
  t.strictSame(built.claims, { ...visitor, iat: IAT, exp: IAT + 300 })
  t.equal(built.header, undefined)
})

t.test('policy: at most 10 minutes, 2 minutes of clock skew', async t => {
  const widget = getProfile('chat-widget')
  t.strictSame(resolveTenantSettings({ profile: 'chat-widget' }).tokenPolicy, { defaultTtl: 600, minTtl: 60, maxTtl: 600, clockSkew: 120 })
  const at = (policy: Partial<TokenPolicy>): TokenPolicy => ({ ...widget.policyDefaults, ...policy })
  t.strictSame(validatePolicy(widget, at({ maxTtl: 600 })), at({ maxTtl: 600 }))
  t.strictSame(pathsOf(caught(() => validatePolicy(widget, at({ maxTtl: 601 })))), ['/tokenPolicy/maxTtl'])
  t.strictSame(pathsOf(caught(() => validatePolicy(widget, at({ defaultTtl: 601, maxTtl: 601 })))), ['/tokenPolicy/defaultTtl', '/tokenPolicy/maxTtl'])
  t.strictSame(pathsOf(caught(() => resolveTenantSettings({ profile: 'chat-widget', tokenPolicy: { maxTtl: 900 } }))), ['/tokenPolicy/maxTtl'])
})

t.test('exp is never more than 600 s after iat', async t => {
  t.equal(profile.buildClaims({ body: visitor, iat: IAT, exp: IAT + 600 }).claims.exp, IAT + 600)
  const err = caught(() => profile.buildClaims({ body: visitor, iat: IAT, exp: IAT + 601 }))
  t.equal(err.code, 'TTL_OUT_OF_RANGE')
  t.strictSame(pathsOf(err), ['/ttl'])
})

t.test('external_id: letters, digits, dot, underscore, dash; 1 to 255 characters', async t => {
  for (const id of ['a', 'user-123456', 'a.b_c-D9', 'x'.repeat(255)]) {
    t.equal(profile.validateBody({ ...visitor, external_id: id }).input.external_id, id, id.slice(0, 20))
  }
  for (const id of ['', 'user 1', 'user@1', 'é', 'x'.repeat(256), 'a\nb']) {
    const err = caught(() => profile.validateBody({ ...visitor, external_id: id }))
    t.strictSame(pathsOf(err), ['/external_id'], JSON.stringify(id.slice(0, 20)))
  }
})

t.test('strict validation: every field is required', async t => {
  const cases: Array<{ name: string, body: unknown, paths: string[], message?: RegExp }> = [
    { name: 'name missing', body: { email: visitor.email, external_id: 'x' }, paths: ['/name'], message: /required/ },
    { name: 'email missing', body: { name: 'n', external_id: 'x' }, paths: ['/email'], message: /required/ },
    { name: 'external_id missing', body: { name: 'n', email: visitor.email }, paths: ['/external_id'], message: /required/ },
    { name: 'bad email', body: { ...visitor, email: 'ada@' }, paths: ['/email'], message: /email/ },
    { name: 'number external_id', body: { ...visitor, external_id: 123456 }, paths: ['/external_id'], message: /string/ },
    { name: 'iat in the body', body: { ...visitor, iat: IAT - 1000 }, paths: ['/iat'], message: /chat-widget profile/ },
    { name: 'exp in the body', body: { ...visitor, exp: IAT + 10_000 }, paths: ['/exp'], message: /chat-widget profile/ },
    { name: 'unknown field', body: { ...visitor, phone: '1' }, paths: ['/phone'], message: /not an allowed/ }
  ]
  for (const { name, body, paths, message } of cases) {
    const err = caught(() => profile.validateBody(body))
    t.equal(err.code, 'VALIDATION_FAILED', name)
    t.strictSame(pathsOf(err), paths, name)
    if (message !== undefined) t.match(messageAt(err, paths[0] as string), message, name)
  }
})
