// The audit log: every admin action, newest first, filtered and bounded, never material; no action without its record.
import { generateKeyPairSync } from 'node:crypto'
import { Redis } from 'ioredis'
import t from 'tap'
import { ADMIN_TOKEN, build, FakeClock, storeReady } from '../../../helpers/build.js'
import { es256Tenant, keyList } from '../../../helpers/key-lifecycle.js'
import { startRedis, uniquePrefix } from '../../../helpers/redis-server.js'
import { createTenant } from '../../../helpers/tenants.js'

const FIELDS = ['action', 'actor', 'actorName', 'at', 'ip', 'kid', 'tenant']

t.test('every admin action is in the audit log, newest first, without material', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock })
  /** Everything secret this test makes: none of it may appear in the log. */
  const secrets: string[] = [ADMIN_TOKEN]
  const expected: Array<{ action: string, tenant: string, kid?: string }> = []
  const did = async (res: { statusCode: number, body: string }, status: number, entry: { action: string, tenant: string, kid?: string }) => {
    t.equal(res.statusCode, status, `${entry.action}: ${res.body}`)
    expected.push(entry)
    clock.advance(1000)
  }

  const hs = await admin('POST', '/v1/admin/tenants', { id: 'audited', name: 'Audited', profile: 'smooch' })
  secrets.push(hs.json().initialSecret)
  await did(hs, 201, { action: 'tenant.create', tenant: 'audited', kid: hs.json().activeKid })
  const es = await admin('POST', '/v1/admin/tenants', es256Tenant('audited-es', { name: 'Audited ES' }))
  await did(es, 201, { action: 'tenant.create', tenant: 'audited-es', kid: es.json().activeKid })
  await did(await admin('PATCH', '/v1/admin/tenants/audited', { name: 'Renamed' }), 200, { action: 'tenant.update', tenant: 'audited' })

  const apiKey = await admin('POST', '/v1/admin/tenants/audited/api-keys', { name: 'backend' })
  secrets.push(apiKey.json().apiKey, apiKey.json().apiKey.split('_').pop())
  await did(apiKey, 201, { action: 'api-key.create', tenant: 'audited' })
  await did(await admin('DELETE', `/v1/admin/tenants/audited/api-keys/${String(apiKey.json().id)}`), 204, { action: 'api-key.delete', tenant: 'audited' })

  const generated = await admin('POST', '/v1/admin/tenants/audited/keys', { alg: 'HS256' })
  secrets.push(generated.json().secret)
  await did(generated, 201, { action: 'key.generate', tenant: 'audited', kid: generated.json().key.kid })
  const importedSecret = 'pasted-from-the-smooch-dashboard-0001'
  secrets.push(importedSecret)
  await did(await admin('POST', '/v1/admin/tenants/audited/keys', { kid: 'app_dashboard', alg: 'HS256', secret: importedSecret }), 201,
    { action: 'key.import', tenant: 'audited', kid: 'app_dashboard' })
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  secrets.push(pem, ...pem.split('\n').filter(line => line.length > 20))
  await did(await admin('POST', '/v1/admin/tenants/audited-es/keys', { kid: 'imported-pem', privateKeyPem: pem }), 201,
    { action: 'key.import', tenant: 'audited-es', kid: 'imported-pem' })
  const rotated = await admin('POST', '/v1/admin/tenants/audited/keys/rotate', {})
  secrets.push(rotated.json().secret)
  await did(rotated, 201, { action: 'key.rotate', tenant: 'audited', kid: rotated.json().key.kid })
  await did(await admin('POST', '/v1/admin/tenants/audited/keys/app_dashboard/revoke'), 200, { action: 'key.revoke', tenant: 'audited', kid: 'app_dashboard' })
  await did(await admin('PUT', '/v1/admin/tenants/audited-es/rotation', { every: 86400, prepublish: 300 }), 200, { action: 'rotation.set', tenant: 'audited-es' })
  await did(await admin('DELETE', '/v1/admin/tenants/audited-es/rotation'), 204, { action: 'rotation.clear', tenant: 'audited-es' })
  await did(await admin('DELETE', '/v1/admin/tenants/audited'), 204, { action: 'tenant.delete', tenant: 'audited' })
  // Refused actions change nothing and record nothing.
  t.equal((await admin('POST', '/v1/admin/tenants/audited-es/keys/nope/revoke')).statusCode, 404)
  t.equal((await admin('POST', '/v1/admin/tenants', { id: 'audited-es', name: 'again', profile: 'smooch' })).statusCode, 409)

  const res = await admin('GET', '/v1/admin/audit')
  t.equal(res.statusCode, 200)
  const { items, nextCursor } = res.json()
  t.equal(nextCursor, null)
  t.same(items.map(({ action, tenant, kid }: Record<string, string>) => kid === undefined ? { action, tenant } : { action, tenant, kid }),
    [...expected].reverse(), 'every action, newest first (the deleted tenant\'s log stays)')
  const start = clock.now - expected.length * 1000
  t.same(items.map((item: { at: string }) => item.at), expected.map((_, i) => new Date(start + i * 1000).toISOString()).reverse(), 'at is the ISO time of the action')
  for (const item of items) {
    t.ok(Object.keys(item).every(field => FIELDS.includes(field)), `only ${FIELDS.join(', ')}: ${Object.keys(item).join(', ')}`)
    t.match(item, { actor: 'root', actorName: 'root', ip: '127.0.0.1' })
  }
  const leaked = secrets.filter(secret => typeof secret === 'string' && secret.length > 0 && res.body.includes(secret))
  t.same(leaked, [], 'no secret, PEM, API key or admin token in the log')
  t.equal(secrets.length > 8, true, 'the secrets to look for were collected')

  const filtered = (await admin('GET', '/v1/admin/audit?tenant=audited-es')).json().items
  t.same(filtered.map((item: { action: string }) => item.action), ['rotation.clear', 'rotation.set', 'key.import', 'tenant.create'])
  t.ok(filtered.every((item: { tenant: string }) => item.tenant === 'audited-es'))
  const limited = (await admin('GET', '/v1/admin/audit?limit=3')).json().items
  t.same(limited, items.slice(0, 3), '?limit keeps the newest')
  const both = (await admin('GET', '/v1/admin/audit?tenant=audited&limit=2')).json().items
  t.same(both.map((item: { action: string }) => item.action), ['tenant.delete', 'key.revoke'])
  t.same((await admin('GET', '/v1/admin/audit?tenant=nobody-here')).json().items, [])

  for (const query of ['limit=0', 'limit=1001', 'limit=x', 'tenant=NOT_A_SLUG', 'other=1']) {
    const bad = await admin('GET', `/v1/admin/audit?${query}`)
    t.equal(bad.statusCode, 400, query)
    t.equal(bad.json().code, 'VALIDATION_FAILED', query)
  }
  t.equal((await app.inject('/v1/admin/audit')).statusCode, 401, 'the log needs the admin token')
})

t.test('an admin action whose audit record cannot be written fails and changes nothing', async t => {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const { app, admin } = await build(t, { redisUrl: redis.url, prefix })
  await storeReady(app)
  const tenant = await createTenant(app, es256Tenant('unauditable'))
  const other = await createTenant(app, es256Tenant('still-audited'))
  const kid = tenant.body.activeKid as string
  const keysBefore = await keyList(app, tenant.id)
  const tenantBefore = (await admin('GET', `/v1/admin/tenants/${tenant.id}`)).json()

  // Break the tenant's audit stream: a plain string where the stream was, set from outside.
  const saboteur = new Redis(redis.url)
  t.teardown(() => saboteur.disconnect())
  const auditKey = `${prefix}{t:${tenant.id}}:audit`
  t.equal(await saboteur.type(auditKey), 'stream')
  await saboteur.set(auditKey, 'not a stream')

  const attempts: Array<[string, string, unknown?]> = [
    ['POST', `/v1/admin/tenants/${tenant.id}/keys`, { alg: 'ES256' }],
    ['POST', `/v1/admin/tenants/${tenant.id}/keys/rotate`, {}],
    ['POST', `/v1/admin/tenants/${tenant.id}/keys/${kid}/revoke`],
    ['PATCH', `/v1/admin/tenants/${tenant.id}`, { name: 'changed' }],
    ['PUT', `/v1/admin/tenants/${tenant.id}/rotation`, { every: 3600 }],
    ['POST', `/v1/admin/tenants/${tenant.id}/api-keys`, { name: 'second' }],
    ['DELETE', `/v1/admin/tenants/${tenant.id}`]
  ]
  for (const [method, url, payload] of attempts) {
    const res = await admin(method, url, payload)
    t.equal(res.statusCode, 503, `${method} ${url}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.json().code, 'STORE_UNAVAILABLE')
    t.notMatch(res.body, /WRONGTYPE|script|redis/i, 'the Redis error itself stays in the server')
  }

  t.same(await keyList(app, tenant.id), keysBefore, 'the keyring is unchanged')
  const tenantAfter = (await admin('GET', `/v1/admin/tenants/${tenant.id}`)).json()
  t.same(tenantAfter, tenantBefore, 'the tenant is unchanged (name, rotation, active key)')
  t.equal((await admin('GET', `/v1/admin/tenants/${tenant.id}/api-keys`)).json().items.length, 1, 'no API key was added')
  t.equal(await saboteur.get(auditKey), 'not a stream')
  t.equal((await app.inject({ method: 'POST', url: `/v1/tenants/${tenant.id}/tokens`, headers: { authorization: `Bearer ${tenant.apiKey}` }, payload: { sub: 'u' } })).json().kid, kid,
    'the tenant keeps issuing with its key')

  // Other tenants are not affected, and their log can still be read.
  t.equal((await admin('POST', `/v1/admin/tenants/${other.id}/keys/rotate`, {})).statusCode, 201)
  const log = await admin('GET', `/v1/admin/audit?tenant=${other.id}`)
  t.equal(log.statusCode, 200)
  t.same(log.json().items.map((item: { action: string }) => item.action), ['key.rotate', 'api-key.create', 'tenant.create'])

  // Once the stream is repaired, actions are recorded again.
  await saboteur.del(auditKey)
  t.equal((await admin('PATCH', `/v1/admin/tenants/${tenant.id}`, { name: 'changed' })).statusCode, 200)
  t.same((await admin('GET', `/v1/admin/audit?tenant=${tenant.id}`)).json().items.map((item: { action: string }) => item.action), ['tenant.update'])
})

t.test('the audit log pages with a cursor, filters by since, and streams as NDJSON', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock })
  for (let i = 0; i < 5; i++) {
    t.equal((await admin('POST', '/v1/admin/tenants', { id: `paged-${i}`, name: 'x', profile: 'smooch' })).statusCode, 201)
    clock.advance(3_600_000)
  }
  const all = (await admin('GET', '/v1/admin/audit')).json().items
  t.equal(all.length, 5)
  const first = (await admin('GET', '/v1/admin/audit?limit=2')).json()
  t.same(first.items, all.slice(0, 2))
  t.type(first.nextCursor, 'string')
  const second = (await admin('GET', `/v1/admin/audit?limit=2&cursor=${encodeURIComponent(first.nextCursor as string)}`)).json()
  t.same(second.items, all.slice(2, 4))
  const last = (await admin('GET', `/v1/admin/audit?limit=2&cursor=${encodeURIComponent(second.nextCursor as string)}`)).json()
  t.same(last, { items: all.slice(4), nextCursor: null }, 'the last page has nextCursor null')

  const since = (await admin('GET', `/v1/admin/audit?since=${encodeURIComponent(all[2].at as string)}`)).json().items
  t.same(since, all.slice(0, 3), 'since keeps entries at or after it')
  const sinceUnix = (await admin('GET', `/v1/admin/audit?since=${Date.parse(all[1].at as string) / 1000}`)).json().items
  t.same(sinceUnix, all.slice(0, 2), 'since takes Unix seconds too')

  const streamed = await app.inject({ url: '/v1/admin/audit?format=ndjson&limit=2', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.equal(streamed.statusCode, 200)
  t.match(streamed.headers['content-type'], /^application\/x-ndjson/)
  t.ok(streamed.body.endsWith('\n'))
  t.same(streamed.body.trimEnd().split('\n').map(line => JSON.parse(line)), all, 'every entry, one a line, read page by page')
  const filtered = await app.inject({ url: '/v1/admin/audit?format=ndjson&tenant=paged-3', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.same(filtered.body.trimEnd().split('\n').map(line => JSON.parse(line).tenant), ['paged-3'])
  const empty = await app.inject({ url: '/v1/admin/audit?format=ndjson&tenant=nobody-here', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.equal(empty.statusCode, 200)
  t.equal(empty.body, '')

  for (const query of ['cursor=bogus', 'format=ndjson&cursor=bogus', 'since=yesterday', 'format=xml']) {
    const bad = await admin('GET', `/v1/admin/audit?${query}`)
    t.equal(bad.statusCode, 400, query)
    t.equal(bad.json().code, 'VALIDATION_FAILED', query)
  }
})
