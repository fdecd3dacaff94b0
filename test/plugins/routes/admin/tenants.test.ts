// The tenant and API-key admin routes: one tenant-id pattern everywhere, one error per bad enum, answers in the shapes the CLI reads.
import t from 'tap'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { KEY_STATES } from '../../../../src/keys/key-state.js'
import { TENANT_ID_PATTERN } from '../../../../src/schemas/common.js'
import { ApiKeyCreatedSchema, ApiKeyListSchema, AuditListSchema, KeyListSchema, KeyRevokedSchema, KeyRotatedSchema } from '../../../../src/schemas/keys.js'
import { TenantAnswerSchema, TenantListSchema, TenantViewSchema } from '../../../../src/schemas/tenant.js'
import { PROFILE_NAMES } from '../../../../src/types.js'
import { build } from '../../../helpers/build.js'
import { createTenant, issue } from '../../../helpers/tenants.js'

const LONGEST_ID = 'a'.repeat(63)

t.test('a tenant id matches the one pattern in the body, the URL, the audit query, the service and API keys', async t => {
  const { app, admin } = await build(t)
  for (const id of ['a', '-ab', 'Ab', 'a_b', 'a b', 'a'.repeat(64)]) {
    const res = await admin('POST', '/v1/admin/tenants', { id, name: 'x', profile: 'smooch' })
    t.equal(res.statusCode, 400, `${JSON.stringify(id)} is refused`)
    t.strictSame(res.json().errors.map((e: { path: string }) => e.path), ['/id'], `${JSON.stringify(id)} names /id`)
  }
  for (const id of ['ab-', '0a']) t.equal((await admin('POST', '/v1/admin/tenants', { id, name: 'x', profile: 'smooch' })).statusCode, 201, `${id} is a tenant id`)
  t.equal((await admin('GET', '/v1/admin/tenants/Not-A-Slug')).statusCode, 400, 'the URL segment is checked too')
  t.equal((await admin('GET', '/v1/admin/audit?tenant=Not-A-Slug')).statusCode, 400, 'and the audit filter')

  // A caller of the service that skips HTTP validation meets the same pattern.
  await t.rejects(app.tokenmint.admin.createTenant({ id: 'Bad', name: 'x', profile: 'smooch' }, { actor: 'test', ip: '' }),
    { code: 'VALIDATION_FAILED', errors: [{ path: '/id', message: `must match ${TENANT_ID_PATTERN}` }] })

  const longest = await createTenant(app, { id: LONGEST_ID, profile: 'smooch' })
  t.match(longest.apiKey, new RegExp(`^tm_${LONGEST_ID}_`), 'the API key embeds the id')
  const issued = await issue(app, LONGEST_ID, longest.apiKey, { userId: 'u-1' })
  t.equal(issued.statusCode, 201, 'and an API key of the longest id authenticates')
})

t.test('an unknown profile is one error naming /profile and listing the profiles', async t => {
  const { admin } = await build(t)
  const res = await admin('POST', '/v1/admin/tenants', { id: 'nope', name: 'x', profile: 'whatsapp' })
  t.equal(res.statusCode, 400)
  t.strictSame(res.json().errors, [{ path: '/profile', message: `must be one of ${PROFILE_NAMES.join(', ')}` }])
  t.equal(res.json().detail, '/profile must be one of smooch, khoros, tiledesk, sceyt, chat-widget, custom')
  t.strictSame(TenantViewSchema.properties.profile.enum, PROFILE_NAMES, 'answers document the same profile list')
})

t.test('every admin answer has the shape of its schema, the types the CLI reads', async t => {
  const { admin } = await build(t)
  const created = await admin('POST', '/v1/admin/tenants', { id: 'shapes', name: 'Shapes', profile: 'sceyt', profileOptions: { applicationId: 'app' }, rotation: { every: 86400 } })
  t.equal(created.statusCode, 201)
  const answers: Array<[string, TSchema, unknown]> = [
    ['create', TenantAnswerSchema, created.json()],
    ['read', TenantViewSchema, (await admin('GET', '/v1/admin/tenants/shapes')).json()],
    ['patch', TenantViewSchema, (await admin('PATCH', '/v1/admin/tenants/shapes', { name: 'Renamed' })).json()],
    ['list', TenantListSchema, (await admin('GET', '/v1/admin/tenants')).json()],
    ['rotation', TenantAnswerSchema, (await admin('PUT', '/v1/admin/tenants/shapes/rotation', { every: 3600, prepublish: 60 })).json()],
    ['api key', ApiKeyCreatedSchema, (await admin('POST', '/v1/admin/tenants/shapes/api-keys', { name: 'backend' })).json()],
    ['api keys', ApiKeyListSchema, (await admin('GET', '/v1/admin/tenants/shapes/api-keys')).json()],
    ['rotate', KeyRotatedSchema, (await admin('POST', '/v1/admin/tenants/shapes/keys/rotate', { prepublish: 300 })).json()],
    ['audit', AuditListSchema, (await admin('GET', '/v1/admin/audit?tenant=shapes')).json()]
  ]
  const keys = (await admin('GET', '/v1/admin/tenants/shapes/keys')).json()
  answers.push(['keys', KeyListSchema, keys])
  answers.push(['revoke', KeyRevokedSchema, (await admin('POST', `/v1/admin/tenants/shapes/keys/${keys.items[0].kid as string}/revoke`)).json()])
  for (const [name, schema, body] of answers) t.ok(Value.Check(schema, body), `${name}: ${JSON.stringify([...Value.Errors(schema, body)].slice(0, 2))}`)
  t.strictSame(KeyListSchema.properties.items.items.properties.state.enum, KEY_STATES, 'key states are the one list')
})

t.test('a rate-limit timeWindow below 1 s is a 400 naming /rateLimit/timeWindow', async t => {
  const { admin } = await build(t)
  for (const timeWindow of [1, 999, '500 ms', '0 ms', '0.5 s']) {
    const res = await admin('POST', '/v1/admin/tenants', { id: 'fast-window', name: 'x', profile: 'smooch', rateLimit: { max: 5, timeWindow } })
    t.equal(res.statusCode, 400, `timeWindow ${JSON.stringify(timeWindow)}`)
    t.match(res.json().errors, [{ path: '/rateLimit/timeWindow' }])
  }
  t.equal((await admin('POST', '/v1/admin/tenants', { id: 'fast-window', name: 'x', profile: 'smooch', rateLimit: { max: 5, timeWindow: ' 1 s ' } })).statusCode, 201)
  const patched = await admin('PATCH', '/v1/admin/tenants/fast-window', { rateLimit: { max: 5, timeWindow: 999 } })
  t.equal(patched.statusCode, 400, 'on update too')
  t.match(patched.json().errors, [{ path: '/rateLimit/timeWindow' }])
  t.equal((await admin('PATCH', '/v1/admin/tenants/fast-window', { rateLimit: { max: 5, timeWindow: 1000 } })).statusCode, 200)
})
