// Delivery guarantees with real processes and a real Redis: two instances, a SIGKILLed holder, a Redis restart with AOF.
import { setTimeout as delay } from 'node:timers/promises'
import t from 'tap'
import { ADMIN_TOKEN, MASTER_KEY, build, FakeClock, storeReady, type TestApp } from '../helpers/build.js'
import { startServer } from '../helpers/process.js'
import { startRedis, startRedisCluster, uniquePrefix } from '../helpers/redis-server.js'
import { startReceiver } from '../helpers/webhook-receiver.js'

const LOOPBACK = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true', JWKS_MAX_AGE: '0' }
const ES256 = { profile: 'custom', alg: 'ES256', claimsSchema: { type: 'object', properties: { sub: { type: 'string' } } }, tokenPolicy: { defaultTtl: 60, minTtl: 60, maxTtl: 60, clockSkew: 0 } }

async function adminFetch (url: string, method: string, path: string, body?: unknown): Promise<{ status: number, json: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
}

/** Waits until /readyz says the store answers (the child connects to Redis after it listens). */
async function storeAnswers (url: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if ((await fetch(`${url}/readyz`)).status === 200) return
    await delay(25)
  }
  throw new Error('the server never became ready')
}

t.test('two instances: each time-driven event is emitted exactly once', async t => {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const clock = new FakeClock(Date.now())
  const apps: TestApp[] = []
  for (let i = 0; i < 2; i++) {
    const app = await build(t, { redisUrl: redis.url, prefix, clock, env: LOOPBACK })
    await storeReady(app.app)
    apps.push(app)
  }
  const [a, b] = apps
  const receiver = await startReceiver(t)
  await a.admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['key.published', 'key.activated', 'key.retired'] })
  await a.admin('POST', '/v1/admin/tenants', { id: 'acme', name: 'Acme', ...ES256 })
  await b.admin('POST', '/v1/admin/tenants', { id: 'beta', name: 'Beta', ...ES256 })
  await a.admin('POST', '/v1/admin/tenants/acme/keys/rotate', { prepublish: 5, at: Math.floor(clock.now / 1000) + 10 })
  await b.admin('POST', '/v1/admin/tenants/beta/keys/rotate', { prepublish: 5, at: Math.floor(clock.now / 1000) + 10 })
  // Both instances scan at every step; the keys publish, activate and retire along the way.
  for (let step = 0; step < 80; step++) {
    clock.advance(1000)
    await Promise.all(apps.map(async app => await app.app.tokenmint.deliveries.tick()))
  }
  await Promise.all(apps.map(async app => await app.app.tokenmint.deliveries.tick()))
  const seen = receiver.received.map(d => `${d.json.type} ${String(d.json.data.tenant)} ${String(d.json.data.kid)}`)
  // Per tenant: first key published + activated, then the rotated key published + activated, and the first retired.
  t.equal(seen.length, 10, 'ten transitions')
  t.equal(new Set(seen).size, seen.length, 'each transition once')
  t.equal(new Set(receiver.received.map(d => d.headers['webhook-id'])).size, seen.length, 'each with its own webhook-id, none twice')
  for (const tenant of ['acme', 'beta']) {
    t.same(receiver.received.filter(d => d.json.data.tenant === tenant).map(d => d.json.type).sort(),
      ['key.activated', 'key.activated', 'key.published', 'key.published', 'key.retired'], tenant)
  }
})

t.test('SIGKILL of the instance holding a pending delivery: another delivers it with the same webhook-id', async t => {
  const redis = await startRedis(t)
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix(), MASTER_KEY, ADMIN_TOKEN, LOG_LEVEL: 'info', WEBHOOK_TIMEOUT_MS: '1000', ...LOOPBACK }
  const receiver = await startReceiver(t)
  receiver.answer = () => 'hang'
  const first = await startServer(t, env)
  await storeAnswers(first.url)
  const { json: webhook } = await adminFetch(first.url, 'POST', '/v1/admin/webhooks', { url: receiver.url, events: ['*'] })
  const { json: test } = await adminFetch(first.url, 'POST', `/v1/admin/webhooks/${webhook.id as string}/test`)
  const held = await receiver.next(() => true)
  t.equal(held.headers['webhook-id'], test.id, 'the first instance is attempting it')
  first.child.kill('SIGKILL')
  await first.exited
  receiver.answer = () => 204
  const second = await startServer(t, env)
  await storeAnswers(second.url)
  const resumed = await receiver.next(d => d.answered === 204)
  t.equal(resumed.headers['webhook-id'], test.id, 'the same webhook-id')
  t.ok(receiver.verify(webhook.secret, resumed), 'signed')
  let delivery: any
  for (let attempt = 0; attempt < 200; attempt++) {
    delivery = (await adminFetch(second.url, 'GET', `/v1/admin/webhooks/${webhook.id as string}/deliveries`)).json.items[0]
    if (delivery.status === 'delivered') break
    await delay(25)
  }
  t.match(delivery, { status: 'delivered', attempts: 2, lastStatus: 204 })
})

t.test('a Redis restart with AOF keeps pending deliveries and unread outbox events', async t => {
  const redis = await startRedis(t, { args: ['--appendonly', 'yes', '--appendfsync', 'always'] })
  const prefix = uniquePrefix()
  const receiver = await startReceiver(t)
  const before = await build(t, { redisUrl: redis.url, prefix, env: LOOPBACK })
  await storeReady(before.app)
  const { id, secret } = (await before.admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['tenant.created'] })).json()
  await before.app.tokenmint.deliveries.stop()
  const test = (await before.admin('POST', `/v1/admin/webhooks/${id as string}/test`)).json()
  await before.admin('POST', '/v1/admin/tenants', { id: 'acme', name: 'Acme', ...ES256 })
  await before.app.close()
  t.equal(receiver.received.length, 0, 'nothing delivered before the restart')

  await redis.kill()
  await redis.restart()
  const after = await build(t, { redisUrl: redis.url, prefix, env: LOOPBACK })
  await storeReady(after.app)
  const testDelivery = await receiver.next(d => d.json.type === 'webhook.test')
  t.equal(testDelivery.headers['webhook-id'], test.id, 'the pending delivery')
  const created = await receiver.next(d => d.json.type === 'tenant.created')
  t.ok(receiver.verify(secret, created), 'the event still in the outbox, fanned out after the restart')
})

t.test('on a Redis Cluster: outboxes in their tenants\' slots, deliveries in their webhook\'s, events delivered', async t => {
  const cluster = await startRedisCluster(t)
  const app = await build(t, { clusterNodes: cluster.nodes, env: LOOPBACK })
  await storeReady(app.app)
  const receiver = await startReceiver(t)
  const { secret } = (await app.admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['tenant.created', 'key.activated'] })).json()
  const ids = ['alpha', 'bravo', 'charlie', 'delta']
  for (const id of ids) t.equal((await app.admin('POST', '/v1/admin/tenants', { id, name: id, ...ES256 })).statusCode, 201)
  for (const id of ids) {
    t.ok(receiver.verify(secret, await receiver.next(d => d.json.type === 'tenant.created' && d.json.data.tenant === id)), `${id}: created`)
    t.ok(receiver.verify(secret, await receiver.next(d => d.json.type === 'key.activated' && d.json.data.tenant === id)), `${id}: activated`)
  }
})
