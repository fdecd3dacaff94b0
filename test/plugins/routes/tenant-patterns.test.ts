// A custom tenant's claims-schema patterns over HTTP: refused at creation when RE2 cannot run them, linear at issuance and verify.
import { SignJWT } from 'jose'
import t from 'tap'
import { build } from '../../helpers/build.js'
import { createTenant, issue } from '../../helpers/tenants.js'

const SCHEMA = {
  type: 'object',
  properties: { sub: { type: 'string', pattern: '^(\\w|\\d)*$' }, n: { type: 'string', pattern: '^\\d*\\d*\\d*\\d*$' } },
  required: ['sub']
}
/** Inputs that took a backtracking engine seconds to hours: each `1` more doubles `^(\w|\d)*$`. */
const SLOW_SUBS = ['1'.repeat(28) + '!', '1'.repeat(60) + '!']
const SLOW_N = '1'.repeat(1000) + 'x'

t.test('patterns of a claims schema on RE2', { timeout: 30_000 }, async t => {
  const { app, admin } = await build(t)
  const tenant = await createTenant(app, { id: 'patterned', profile: 'custom', claimsSchema: SCHEMA })

  await t.test('issuance refuses the inputs at once', async t => {
    for (const sub of SLOW_SUBS) {
      const res = await issue(app, tenant.id, tenant.apiKey, { sub })
      t.equal(res.statusCode, 400, `sub of ${sub.length} characters`)
      t.match(res.json(), { code: 'VALIDATION_FAILED', errors: [{ path: '/sub', message: /must match pattern/ }] })
    }
    const res = await issue(app, tenant.id, tenant.apiKey, { sub: 'u1', n: SLOW_N })
    t.equal(res.statusCode, 400, 'n of 1,001 characters')
    t.equal((await issue(app, tenant.id, tenant.apiKey, { sub: 'u1', n: '123' })).statusCode, 201, 'what matches is issued')
  })

  await t.test('verify checks a forged token\'s claims at once, with no valid signature', async t => {
    const now = Math.floor(Date.now() / 1000)
    for (const claims of [...SLOW_SUBS.map(sub => ({ sub })), { sub: 'u1', n: SLOW_N }]) {
      const forged = await new SignJWT({ ...claims, iat: now, exp: now + 60 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: tenant.body.activeKid as string })
        .sign(new TextEncoder().encode('not-the-tenant-secret-not-the-tenant-secret'))
      const res = await app.inject({
        method: 'POST',
        url: `/v1/tenants/${tenant.id}/tokens/verify`,
        headers: { authorization: `Bearer ${tenant.apiKey}` },
        payload: { token: forged }
      })
      t.equal(res.statusCode, 200)
      t.equal(res.json().valid, false)
      t.match(res.json().reasons, ['the signature does not verify with the key', /must match pattern/])
    }
  })

  await t.test('a pattern RE2 cannot run is 400 INVALID_SCHEMA at creation and at update', async t => {
    const lookahead = { type: 'object', properties: { sub: { type: 'string', pattern: '^(?=u)\\w+$' } } }
    const created = await admin('POST', '/v1/admin/tenants', { id: 'lookahead', name: 'Lookahead', profile: 'custom', claimsSchema: lookahead })
    t.equal(created.statusCode, 400)
    t.match(created.json(), { code: 'INVALID_SCHEMA', errors: [{ path: '/claimsSchema/properties/sub/pattern', message: /RE2/ }] })
    const patched = await admin('PATCH', `/v1/admin/tenants/${tenant.id}`, { claimsSchema: lookahead })
    t.equal(patched.statusCode, 400)
    t.equal(patched.json().code, 'INVALID_SCHEMA')
  })
})
