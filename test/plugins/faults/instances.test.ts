// Three instances on one Redis: a revocation or an API-key deletion through one reaches the others' caches within 1 s.
// (Scheduled rotation running once across three instances is test/src/rotation-scheduler.test.ts.)
import t from 'tap'
import { build, storeReady, type TestApp } from '../../helpers/build.js'
import { es256Tenant, jwksKids } from '../../helpers/key-lifecycle.js'
import { startRedis, uniquePrefix } from '../../helpers/redis-server.js'
import { createTenant, issue } from '../../helpers/tenants.js'
import { within } from './within.js'

t.test('three instances sharing one Redis', async t => {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const apps: TestApp[] = []
  for (let i = 0; i < 3; i++) apps.push(await build(t, { redisUrl: redis.url, prefix }))
  await Promise.all(apps.map(async ({ app }) => { await storeReady(app) }))
  const [a, ...others] = apps

  await t.test('a key revoked through A leaves the JWKS that B and C had cached, within 1 s', async t => {
    const tenant = await createTenant(a.app, es256Tenant('shared-jwks'))
    const k1 = tenant.body.activeKid as string
    const added = await a.admin('POST', `/v1/admin/tenants/${tenant.id}/keys`, { alg: 'ES256' })
    t.equal(added.statusCode, 201)
    const k2 = added.json().key.kid as string
    for (const other of others) {
      t.same((await jwksKids(other.app, tenant.id)).sort(), [k1, k2].sort(), 'the retiring and the active key are published')
      const hits = other.app.tokenmint.cache.stats.hits
      await jwksKids(other.app, tenant.id)
      t.equal(other.app.tokenmint.cache.stats.hits, hits + 1, 'and served from the instance\'s cache')
    }

    t.equal((await a.admin('POST', `/v1/admin/tenants/${tenant.id}/keys/${k1}/revoke`)).statusCode, 200)
    const gone = await Promise.all(others.map(async other =>
      await within(other.app, tenant.id, 1000, async () => (await jwksKids(other.app, tenant.id)).join() === k2)))
    t.same(gone, [true, true], 'B and C publish only the remaining key within 1 s')
  })

  await t.test('an API key deleted through A is refused (403) by B and C within 1 s', async t => {
    const tenant = await createTenant(a.app, { id: 'shared-key', profile: 'smooch' })
    for (const other of others) t.equal((await issue(other.app, tenant.id, tenant.apiKey, { userId: 'u' })).statusCode, 201)
    const [record] = (await a.admin('GET', `/v1/admin/tenants/${tenant.id}/api-keys`)).json().items as Array<{ id: string }>

    t.equal((await a.admin('DELETE', `/v1/admin/tenants/${tenant.id}/api-keys/${record.id}`)).statusCode, 204)
    const refusals: string[] = []
    const refused = await Promise.all(others.map(async other => await within(other.app, tenant.id, 1000, async () => {
      const res = await issue(other.app, tenant.id, tenant.apiKey, { userId: 'u' })
      if (res.statusCode !== 201) refusals.push(`${res.statusCode} ${String(res.json().code)}`)
      return res.statusCode !== 201
    })))
    t.same(refused, [true, true], 'B and C refuse the key within 1 s')
    t.same(refusals, ['403 FORBIDDEN', '403 FORBIDDEN'])
  })
})
