// The whole service on a three-master Redis Cluster: tenants in different slots, issuance, rotation, revocation, listings.
import { createLocalJWKSet, jwtVerify } from 'jose'
import t from 'tap'
import { build, FakeClock, redisStoreOf, storeReady } from '../../helpers/build.js'
import { es256Tenant, keyStates } from '../../helpers/key-lifecycle.js'
import { startRedisCluster } from '../../helpers/redis-server.js'
import { createTenant, issue, type CreatedTenant } from '../../helpers/tenants.js'
import { within } from './within.js'

const cluster = await startRedisCluster(t)
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

t.test('an app on a cluster: tenants in every master, issuance, rotation, revocation, listings and audit', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clusterNodes: cluster.nodes, clock })
  await storeReady(app)
  const store = redisStoreOf(app)
  t.equal(store.redis.isCluster, true, 'REDIS_CLUSTER_NODES gives a cluster client')

  // Even ids: HS256 (smooch); odd ids: ES256 (custom).
  const ids = Array.from({ length: 9 }, (_, i) => `shop-${i}`)
  const tenants: CreatedTenant[] = []
  for (const [i, id] of ids.entries()) {
    tenants.push(await createTenant(app, i % 2 === 0 ? { id, profile: 'smooch' } : es256Tenant(id)))
  }

  // Which master holds each tenant's slot.
  const ranges = await store.redis.cluster('SLOTS')
  const masterOf = (slot: number): number => {
    const range = ranges.find(([from, to]) => slot >= from && slot <= to)
    if (range === undefined) throw new Error(`slot ${slot} is not served`)
    return range[2][1]
  }
  const masters = new Set<number>()
  for (const id of ids) masters.add(masterOf(await store.redis.cluster('KEYSLOT', `{t:${id}}`) as number))
  t.equal(masters.size, 3, 'the tenants are spread over all three masters')

  const jwksOf = async (id: string): Promise<{ keys: Array<{ kid: string }> }> => {
    const res = await app.inject(`/v1/tenants/${id}/jwks.json`)
    t.equal(res.statusCode, 200)
    return res.json()
  }
  const verify = async (tenant: CreatedTenant, token: string, secret?: string): Promise<Record<string, unknown>> => {
    const currentDate = new Date(clock.now)
    if (secret !== undefined) return (await jwtVerify(token, utf8(secret), { algorithms: ['HS256'], currentDate })).payload
    return (await jwtVerify(token, createLocalJWKSet(await jwksOf(tenant.id)), { algorithms: ['ES256'], currentDate })).payload
  }

  await t.test('every tenant issues tokens with its own API key, each verified with jose', async t => {
    for (const [i, tenant] of tenants.entries()) {
      const res = await issue(app, tenant.id, tenant.apiKey, i % 2 === 0 ? { userId: `u-${i}` } : { sub: `u-${i}` })
      t.equal(res.statusCode, 201, res.body)
      const payload = await verify(tenant, res.json().token, tenant.initialSecret)
      t.equal(i % 2 === 0 ? payload.userId : payload.sub, `u-${i}`)
    }
    const foreign = await issue(app, tenants[1].id, tenants[0].apiKey, { sub: 'x' })
    t.equal(foreign.statusCode, 403, 'a key of a tenant in another slot is recognised and refused')
  })

  await t.test('rotation and revocation of an ES256 tenant', async t => {
    const tenant = tenants[1]
    const k1 = tenant.body.activeKid as string
    // The app's cache had the tenant; it drops it when the change notice comes back through the cluster's pub/sub.
    const rotated = await admin('POST', `/v1/admin/tenants/${tenant.id}/keys/rotate`, { prepublish: 300 })
    t.equal(rotated.statusCode, 201, rotated.body)
    const k2 = rotated.json().key.kid as string
    const kids = async (): Promise<string> => (await jwksOf(tenant.id)).keys.map(key => key.kid).sort().join()
    t.ok(await within(app, tenant.id, 1000, async () => await kids() === [k1, k2].sort().join()), 'the new key is published before it signs')
    t.equal((await issue(app, tenant.id, tenant.apiKey, { sub: 'a' })).json().kid, k1)

    clock.advance(300_000)
    const after = await issue(app, tenant.id, tenant.apiKey, { sub: 'b' })
    t.equal(after.json().kid, k2, 'the new key signs once active')
    t.equal((await verify(tenant, after.json().token)).sub, 'b')

    const revoked = await admin('POST', `/v1/admin/tenants/${tenant.id}/keys/${k1}/revoke`)
    t.equal(revoked.statusCode, 200)
    t.ok(await within(app, tenant.id, 1000, async () => await kids() === k2), 'the revoked key leaves the JWKS within 1 s')
    t.same(await keyStates(app, tenant.id), { [k1]: 'revoked', [k2]: 'active' })
  })

  await t.test('rotation of an HS256 tenant hands out the new secret, which signs at once', async t => {
    const tenant = tenants[2]
    const rotated = await admin('POST', `/v1/admin/tenants/${tenant.id}/keys/rotate`, {})
    t.equal(rotated.statusCode, 201, rotated.body)
    const { key, secret } = rotated.json()
    let token = ''
    t.ok(await within(app, tenant.id, 1000, async () => {
      const res = await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })
      token = res.json().token
      return res.json().kid === key.kid
    }), 'the new key signs within 1 s')
    t.equal((await verify(tenant, token, secret)).userId, 'u')
  })

  await t.test('periodic rotation through the global due-index', async t => {
    const tenant = tenants[4]
    t.equal((await admin('PUT', `/v1/admin/tenants/${tenant.id}/rotation`, { every: 3600, prepublish: 0 })).statusCode, 200)
    t.equal(await app.tokenmint.scheduler.tick(), 0, 'nothing is due yet')
    clock.advance(3600_000)
    t.equal(await app.tokenmint.scheduler.tick(), 1, 'the due tenant is found and rotated once')
    t.equal(await app.tokenmint.scheduler.tick(), 0)
    t.equal(Object.keys(await keyStates(app, tenant.id)).length, 2)
  })

  await t.test('deleting an API key is seen through the tenant-tagged lookup', async t => {
    const tenant = tenants[6]
    const list = await admin('GET', `/v1/admin/tenants/${tenant.id}/api-keys`)
    const [record] = list.json().items as Array<{ id: string }>
    t.equal((await admin('DELETE', `/v1/admin/tenants/${tenant.id}/api-keys/${record.id}`)).statusCode, 204)
    t.ok(await within(app, tenant.id, 1000, async () => (await issue(app, tenant.id, tenant.apiKey, { userId: 'u' })).statusCode === 403), 'refused within 1 s')
  })

  await t.test('tenants from every slot are listed in id order across pages', async t => {
    const listed: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await admin('GET', `/v1/admin/tenants?limit=4${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
      t.equal(res.statusCode, 200)
      const body = res.json()
      t.ok(body.items.length <= 4)
      listed.push(...body.items.map((item: { id: string }) => item.id))
      cursor = body.nextCursor
      pages++
    } while (cursor !== null)
    t.same(listed, ids)
    t.equal(pages, 3)
  })

  await t.test('the audit log merges every tenant\'s stream, newest first', async t => {
    const res = await admin('GET', '/v1/admin/audit?limit=100')
    t.equal(res.statusCode, 200)
    const items = res.json().items as Array<{ at: string, action: string, tenant: string, kid?: string }>
    t.same([...new Set(items.filter(item => item.action === 'tenant.create').map(item => item.tenant))].sort(), ids)
    const times = items.map(item => Date.parse(item.at))
    t.same(times, [...times].sort((a, b) => b - a), 'newest first')
    t.match(items[0], { action: 'api-key.delete', tenant: 'shop-6' })
    t.ok(items.some(item => item.action === 'key.revoke' && item.tenant === 'shop-1'))
    t.ok(items.some(item => item.action === 'key.rotate' && item.tenant === 'shop-4'))
    const one = (await admin('GET', '/v1/admin/audit?tenant=shop-1&limit=100')).json().items as Array<{ tenant: string, action: string }>
    t.same(one.map(item => item.action), ['key.revoke', 'key.rotate', 'api-key.create', 'tenant.create'])
  })
})
