// Imported HS256 secrets through POST .../keys: a short one is accepted with a warning, a long one without.
import t from 'tap'
import { build } from '../../../helpers/build.js'
import { createTenant, issue } from '../../../helpers/tenants.js'

t.test('a secret under 32 bytes is imported with a warnings entry saying so', async t => {
  const { app, admin } = await build(t)
  const tenant = await createTenant(app, { id: 'platform-secret', profile: 'smooch', generateKey: false })
  const short = 'app-secret-20-chars!'
  const imported = await admin('POST', `/v1/admin/tenants/${tenant.id}/keys`, { kid: 'app_1', alg: 'HS256', secret: short })
  t.equal(imported.statusCode, 201)
  t.match(imported.json(), { key: { kid: 'app_1', state: 'active' }, warnings: [/20 bytes, under the 32/] })
  t.notMatch(imported.body, short, 'the secret is not echoed')
  t.equal((await issue(app, tenant.id, tenant.apiKey, { userId: 'u-1' })).statusCode, 201, 'and it signs')

  const long = await admin('POST', `/v1/admin/tenants/${tenant.id}/keys`, { kid: 'app_2', alg: 'HS256', secret: 's'.repeat(32) })
  t.equal(long.statusCode, 201)
  t.strictSame(long.json().warnings, [], '32 bytes draw no warning')
})
