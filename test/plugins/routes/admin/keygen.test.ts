// RSA keys generated through the admin routes: in the app's KeygenPool, within KEYGEN_CONCURRENCY, workers gone on close.
import t from 'tap'
import { build } from '../../../helpers/build.js'
import { es256Tenant } from '../../../helpers/key-lifecycle.js'
import { createTenant } from '../../../helpers/tenants.js'

t.test('concurrent RS256 generations run one at a time by default, two with KEYGEN_CONCURRENCY=2', async t => {
  for (const [env, concurrency] of [[{}, 1], [{ KEYGEN_CONCURRENCY: '2' }, 2]] as const) {
    const { app, admin } = await build(t, { env })
    await createTenant(app, es256Tenant('rsa-keys', { alg: 'RS256' }))
    const created = await Promise.all([1, 2, 3].map(async () => await admin('POST', '/v1/admin/tenants/rsa-keys/keys', { alg: 'RS256', modulusLength: 2048 })))
    t.strictSame(created.map(res => res.statusCode), [201, 201, 201])
    t.equal(new Set(created.map(res => res.json().key.kid)).size, 3)
    t.match(app.tokenmint.keygen.stats(), { running: 0, queued: 0, peak: concurrency }, `at most ${concurrency} at once`)
    await app.close()
    t.equal(app.tokenmint.keygen.stats().workers, 0, 'the workers are terminated when the app closes')
  }
})

t.test('modulusLength is 2048, 3072 or 4096', async t => {
  const { app, admin } = await build(t)
  await createTenant(app, es256Tenant('rsa-sizes', { alg: 'RS256' }))
  for (const modulusLength of [1024, 2047, 8192]) {
    const res = await admin('POST', '/v1/admin/tenants/rsa-sizes/keys', { alg: 'RS256', modulusLength })
    t.equal(res.statusCode, 400, String(modulusLength))
    t.equal(res.json().code, 'VALIDATION_FAILED')
  }
  t.equal((await admin('GET', '/v1/admin/tenants/rsa-sizes/keys')).json().items.length, 1, 'no key was added')
})
