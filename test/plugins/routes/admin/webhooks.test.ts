// Webhook routes against a real Redis and a real loopback receiver: CRUD, every event type signed, filters, retries.
import t from 'tap'
import { createCredential, requestAs } from '../../../helpers/access.js'
import { build, FakeClock, storeReady, type TestApp } from '../../../helpers/build.js'
import { startReceiver, type Receiver } from '../../../helpers/webhook-receiver.js'

const LOOPBACK = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true', JWKS_MAX_AGE: '0', WEBHOOK_RETRY_SCHEDULE: '2,5' }
const ES256 = { profile: 'custom', alg: 'ES256', claimsSchema: { type: 'object', properties: { sub: { type: 'string' } } }, tokenPolicy: { defaultTtl: 60, minTtl: 60, maxTtl: 60, clockSkew: 0 } }

async function setup (t: Parameters<typeof build>[0], env: Record<string, string> = {}): Promise<TestApp & { clock: FakeClock, receiver: Receiver }> {
  const clock = new FakeClock(Date.now())
  const built = await build(t, { store: 'redis', clock, env: { ...LOOPBACK, ...env } })
  await storeReady(built.app)
  const receiver = await startReceiver(t)
  return { ...built, clock, receiver }
}

/** Moves the fake clock on and lets the worker run a tick (fan-out, attempts, key-time scan). */
async function advance (app: TestApp, clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms)
  await app.app.tokenmint.deliveries.tick()
}

t.test('create answers the secret once; reads, changes and deletes never show it', async t => {
  const { admin, receiver } = await setup(t)
  const created = await admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['key.created'], description: 'ops' })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['cache-control'], 'no-store')
  const webhook = created.json()
  t.match(webhook, { url: receiver.url, events: ['key.created'], tenants: null, description: 'ops' })
  t.match(webhook.id, /^wh_[A-Za-z0-9_-]{16}$/)
  t.equal(Buffer.from(webhook.secret.slice('whsec_'.length), 'base64').length, 32, 'whsec_ and 32 bytes in base64')
  const listed = (await admin('GET', '/v1/admin/webhooks')).json()
  t.same(listed.items.map((w: { id: string }) => w.id), [webhook.id])
  t.notOk(JSON.stringify(listed).includes(webhook.secret.slice(6)), 'the list never holds the secret')
  const patched = await admin('PATCH', `/v1/admin/webhooks/${webhook.id}`, { events: ['*'], tenants: ['acme'] })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { events: ['*'], tenants: ['acme'] })
  t.notOk('secret' in (await admin('GET', `/v1/admin/webhooks/${webhook.id}`)).json())
  const rotated = await admin('POST', `/v1/admin/webhooks/${webhook.id}/rotate-secret`)
  t.equal(rotated.statusCode, 200)
  t.equal(rotated.headers['cache-control'], 'no-store')
  t.not(rotated.json().secret, webhook.secret)
  t.equal((await admin('DELETE', `/v1/admin/webhooks/${webhook.id}`)).statusCode, 204)
  t.equal((await admin('GET', `/v1/admin/webhooks/${webhook.id}`)).json().code, 'WEBHOOK_NOT_FOUND')
  t.equal((await admin('DELETE', `/v1/admin/webhooks/${webhook.id}`)).statusCode, 404)
})

t.test('every webhook action is in the audit log with its actor and the webhook id; a refused one is not', async t => {
  const { app, admin, clock, receiver } = await setup(t)
  const ops = await createCredential(app, 'operator')
  const as = async (method: string, url: string, body?: unknown) => await requestAs(app, ops.token, method, url, body)
  const created = await as('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['*'] })
  t.equal(created.statusCode, 201)
  const { id } = created.json()
  clock.advance(1)
  t.equal((await as('PATCH', `/v1/admin/webhooks/${id as string}`, { description: 'ops' })).statusCode, 200)
  t.equal((await as('PATCH', `/v1/admin/webhooks/${id as string}`, { url: 'ftp://example.com/' })).statusCode, 400, 'refused: not audited')
  clock.advance(1)
  t.equal((await as('POST', `/v1/admin/webhooks/${id as string}/rotate-secret`)).statusCode, 200)
  clock.advance(1)
  t.equal((await as('POST', `/v1/admin/webhooks/${id as string}/test`)).statusCode, 202)
  clock.advance(1)
  t.equal((await as('DELETE', `/v1/admin/webhooks/${id as string}`)).statusCode, 204)
  const log = (await admin('GET', `/v1/admin/audit?actor=${ops.id}`)).json().items
  t.same(log.map((e: any) => [e.action, e.actor, e.actorName, e.tenant, e.kid]), [
    ['webhook.delete', ops.id, 'operator credential', '', id],
    ['webhook.test', ops.id, 'operator credential', '', id],
    ['webhook.rotate-secret', ops.id, 'operator credential', '', id],
    ['webhook.update', ops.id, 'operator credential', '', id],
    ['webhook.create', ops.id, 'operator credential', '', id]
  ])
  t.notOk(JSON.stringify(log).includes('whsec_'), 'no secret in the log')
})

t.test('bad input is a 400 naming the field', async t => {
  const { admin, receiver } = await setup(t)
  const unknownEvent = await admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['key.exploded'] })
  t.equal(unknownEvent.statusCode, 400)
  t.match(unknownEvent.json().errors[0].path, /events/)
  const noUrl = await admin('POST', '/v1/admin/webhooks', { events: ['*'] })
  t.equal(noUrl.statusCode, 400)
  t.match(noUrl.json().detail, /url/)
  const notUrl = await admin('POST', '/v1/admin/webhooks', { url: 'not a url', events: ['*'] })
  t.match(notUrl.json(), { status: 400, errors: [{ path: '/url' }] })
  t.equal((await admin('GET', '/v1/admin/webhooks/wh_nope')).statusCode, 400, 'an id that cannot be one')
})

t.test('every event type arrives signed (standardwebhooks verifies it) and carries no material', async t => {
  const { app, admin, clock, receiver } = await setup(t)
  const { secret, id: webhookId } = (await admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['*'] })).json()
  const tenant = (await admin('POST', '/v1/admin/tenants', { id: 'acme', name: 'Acme', ...ES256 })).json()
  const firstKid = tenant.activeKid ?? (await admin('GET', '/v1/admin/tenants/acme/keys')).json().items[0].kid
  const apiKey = (await admin('POST', '/v1/admin/tenants/acme/api-keys', { name: 'backend' })).json()
  await admin('DELETE', `/v1/admin/tenants/acme/api-keys/${apiKey.id}`)
  await admin('PATCH', '/v1/admin/tenants/acme', { name: 'Acme Inc' })
  await admin('PUT', '/v1/admin/tenants/acme/rotation', { every: 86_400, prepublish: 30 })
  const rotated = (await admin('POST', '/v1/admin/tenants/acme/keys/rotate', { prepublish: 10 })).json()
  const nextKid = rotated.key.kid
  await admin('POST', `/v1/admin/webhooks/${webhookId as string}/test`)
  await advance({ app } as TestApp, clock, 1000)
  // The rotated key activates 10 s on; the first key retires 60 s after that (maxTtl + clockSkew + JWKS max-age 0).
  await advance({ app } as TestApp, clock, 10_000)
  await advance({ app } as TestApp, clock, 61_000)
  const importedHs = await admin('POST', '/v1/admin/tenants/acme/keys', { alg: 'ES256' })
  await admin('POST', `/v1/admin/tenants/acme/keys/${importedHs.json().key.kid as string}/revoke`)
  await admin('DELETE', '/v1/admin/tenants/acme')
  await advance({ app } as TestApp, clock, 1000)

  const want = ['tenant.created', 'key.created', 'key.published', 'key.activated', 'apikey.created', 'apikey.deleted', 'tenant.updated',
    'rotation.updated', 'key.retired', 'key.revoked', 'tenant.deleted', 'webhook.test']
  // Ticks a second apart until every type arrived (at most 20): the worker's own timer runs beside them.
  for (let step = 0; step < 20 && !want.every(type => receiver.received.some(d => d.json.type === type)); step++) {
    await advance({ app } as TestApp, clock, 1000)
  }
  for (const type of want) {
    const delivery = await receiver.next(d => d.json.type === type)
    t.ok(receiver.verify(secret, delivery), `${type}: signature verified`)
    t.equal(delivery.headers['content-type'], 'application/json')
    t.match(delivery.json.timestamp, /^\d{4}-\d\d-\d\dT/)
  }
  t.match((await receiver.next(d => d.json.type === 'key.activated' && d.json.data.kid === nextKid)).json.data, { tenant: 'acme', alg: 'ES256', actor: undefined })
  t.match((await receiver.next(d => d.json.type === 'key.retired')).json.data, { tenant: 'acme', kid: firstKid })
  t.match((await receiver.next(d => d.json.type === 'apikey.created')).json.data, { tenant: 'acme', apiKeyId: apiKey.id, actor: 'root' })
  t.match((await receiver.next(d => d.json.type === 'key.created')).json.data, { tenant: 'acme', kid: firstKid, alg: 'ES256', activateAt: /Z$/ })
  for (const delivery of receiver.received) {
    t.notMatch(delivery.body, /sealed|"ct"|"dk"|PRIVATE KEY|"d":|apiKey"|tm_acme_/, `${delivery.json.type}: no material`)
  }
  const ids = receiver.received.map(d => d.headers['webhook-id'])
  t.equal(new Set(ids).size, ids.length, 'one delivery per event')
})

t.test('a gated activation that waits for a verifier arrives as key.activation_delayed, with the new plan and the deadline', async t => {
  const { app, admin, clock, receiver } = await setup(t)
  const { secret } = (await admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['key.activation_delayed'] })).json()
  t.equal((await admin('POST', '/v1/admin/tenants', { id: 'gated', name: 'Gated', ...ES256 })).statusCode, 201)
  // A verifier holds the first key only.
  t.equal((await app.inject({ url: '/t/gated/.well-known/jwks.json', headers: { 'user-agent': 'edge/1' } })).statusCode, 200)
  await app.tokenmint.verifiers.flush()
  const rotated = (await admin('POST', '/v1/admin/tenants/gated/keys/rotate', { prepublish: 10, waitForVerifiers: true, maxDelay: 600 })).json()
  clock.now = Date.parse(rotated.key.activateAt) - 1000
  t.equal(await app.tokenmint.gate.tick(), 1, 'the gate postpones the key')
  await app.tokenmint.deliveries.tick()
  const delivery = await receiver.next(d => d.json.type === 'key.activation_delayed')
  t.ok(receiver.verify(secret, delivery), 'signed')
  t.match(delivery.json.data, { tenant: 'gated', kid: rotated.key.kid, alg: 'ES256', activateAt: rotated.key.activateBy, activateBy: rotated.key.activateBy, actor: 'scheduler' })
  const [, key] = (await admin('GET', '/v1/admin/tenants/gated/keys')).json().items
  t.equal(key.activateAt, rotated.key.activateBy, 'the event says what the keyring says')
})

t.test('filters by event type and tenant', async t => {
  const { app, admin, clock, receiver } = await setup(t)
  await admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['tenant.updated'], tenants: ['beta'] })
  await admin('POST', '/v1/admin/tenants', { id: 'alpha', name: 'A', ...ES256 })
  await admin('POST', '/v1/admin/tenants', { id: 'beta', name: 'B', ...ES256 })
  await admin('PATCH', '/v1/admin/tenants/alpha', { name: 'A2' })
  await admin('PATCH', '/v1/admin/tenants/beta', { name: 'B2' })
  await advance({ app } as TestApp, clock, 1000)
  await receiver.next(d => d.json.type === 'tenant.updated')
  await advance({ app } as TestApp, clock, 1000)
  t.same(receiver.received.map(d => [d.json.type, d.json.data.tenant]), [['tenant.updated', 'beta']])
})

t.test('a failing receiver is retried on WEBHOOK_RETRY_SCHEDULE, then failed; a failed delivery can be retried with the same webhook-id', async t => {
  const { app, admin, clock, receiver } = await setup(t)
  receiver.answer = () => 500
  const { id } = (await admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['*'] })).json()
  const test = (await admin('POST', `/v1/admin/webhooks/${id as string}/test`)).json()
  t.equal(test.status, 'pending')
  await app.tokenmint.deliveries.tick()
  await receiver.next(() => true)
  let [delivery] = (await admin('GET', `/v1/admin/webhooks/${id as string}/deliveries`)).json().items
  t.match(delivery, { id: test.id, type: 'webhook.test', status: 'pending', attempts: 1, lastStatus: 500, lastError: 'HTTP 500' })
  t.equal(Date.parse(delivery.nextAttemptAt), clock.now + 2000, 'first retry after 2 s')
  await advance({ app } as TestApp, clock, 1999)
  t.equal(receiver.received.length, 1, 'not before its time')
  await advance({ app } as TestApp, clock, 1)
  t.equal(receiver.received.length, 2)
  delivery = (await admin('GET', `/v1/admin/webhooks/${id as string}/deliveries`)).json().items[0]
  t.equal(Date.parse(delivery.nextAttemptAt), clock.now + 5000, 'second retry after 5 s')
  await advance({ app } as TestApp, clock, 5000)
  t.equal(receiver.received.length, 3)
  delivery = (await admin('GET', `/v1/admin/webhooks/${id as string}/deliveries?status=failed`)).json().items[0]
  t.match(delivery, { status: 'failed', attempts: 3, nextAttemptAt: null })
  t.same((await admin('GET', `/v1/admin/webhooks/${id as string}/deliveries?status=pending`)).json().items, [])
  await advance({ app } as TestApp, clock, 60_000)
  t.equal(receiver.received.length, 3, 'a failed delivery is left alone')

  receiver.answer = () => 200
  const retried = await admin('POST', `/v1/admin/webhooks/${id as string}/deliveries/${test.id as string}/retry`)
  t.equal(retried.statusCode, 202)
  t.match((await admin('GET', '/v1/admin/audit?limit=1')).json().items[0], { action: 'webhook.delivery-retry', actor: 'root', tenant: '', kid: id })
  await app.tokenmint.deliveries.tick()
  t.equal(receiver.received.length, 4)
  t.same(new Set(receiver.received.map(d => d.headers['webhook-id'])), new Set([test.id]), 'the same webhook-id on every attempt')
  t.match((await admin('GET', `/v1/admin/webhooks/${id as string}/deliveries`)).json().items[0], { status: 'delivered', attempts: 4, lastStatus: 200, lastError: null })
  const again = await admin('POST', `/v1/admin/webhooks/${id as string}/deliveries/${test.id as string}/retry`)
  t.equal(again.statusCode, 409, 'only a failed one')
  t.match(again.json().detail, /only a failed delivery/)
  t.equal((await admin('POST', `/v1/admin/webhooks/${id as string}/deliveries/msg_nope/retry`)).statusCode, 404)
})

t.test('a redirect is not followed: it is an answer like any non-2xx', async t => {
  const { app, admin, receiver } = await setup(t)
  receiver.answer = () => 302
  const { id } = (await admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['*'] })).json()
  await admin('POST', `/v1/admin/webhooks/${id as string}/test`)
  await app.tokenmint.deliveries.tick()
  t.match((await admin('GET', `/v1/admin/webhooks/${id as string}/deliveries`)).json().items[0], { status: 'pending', lastStatus: 302, lastError: 'HTTP 302' })
  t.equal(receiver.received.length, 1)
})

t.test('for 24 h after a rotation, deliveries carry both signatures', async t => {
  const { app, admin, clock, receiver } = await setup(t)
  const { id, secret: before } = (await admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['*'] })).json()
  const { secret: after } = (await admin('POST', `/v1/admin/webhooks/${id as string}/rotate-secret`)).json()
  await admin('POST', `/v1/admin/webhooks/${id as string}/test`)
  await app.tokenmint.deliveries.tick()
  const both = await receiver.next(() => true)
  t.equal(both.headers['webhook-signature'].split(' ').length, 2)
  t.ok(receiver.verify(before, both), 'the previous secret verifies')
  t.ok(receiver.verify(after, both), 'the new secret verifies')
  clock.advance(24 * 3600 * 1000)
  // The receiver checks timestamps against its own clock: this delivery is only counted, not verified.
  await admin('POST', `/v1/admin/webhooks/${id as string}/test`)
  await app.tokenmint.deliveries.tick()
  t.equal(receiver.received[1].headers['webhook-signature'].split(' ').length, 1, 'one signature once the 24 h are over')
})

t.test('SSRF: a URL that is or resolves to a forbidden address is refused at creation, naming the reason', async t => {
  const { admin } = await build(t)
  for (const [url, reason] of [['https://localhost/hooks', /loopback/], ['https://192.168.0.10/hooks', /private/], ['https://[fe80::1]/hooks', /link-local/], ['http://93.184.215.14/hooks', /https/]] as const) {
    const refused = await admin('POST', '/v1/admin/webhooks', { url, events: ['*'] })
    t.equal(refused.statusCode, 400, url)
    t.match(refused.json(), { code: 'WEBHOOK_URL_FORBIDDEN', detail: reason, errors: [{ path: '/url' }] })
  }
  t.same((await admin('GET', '/v1/admin/webhooks')).json().items, [], 'nothing created')
})

t.test('SSRF: each delivery checks the address again and connects to the one it checked', async t => {
  const permissive = await setup(t)
  const receiver = permissive.receiver
  const url = receiver.url.replace('127.0.0.1', 'localhost')
  const { id } = (await permissive.admin('POST', '/v1/admin/webhooks', { url, events: ['*'] })).json()
  await permissive.app.tokenmint.deliveries.stop()
  // Another instance on the same store whose policy refuses private addresses: as if the name now resolved to loopback.
  const strict = await build(t, { redisUrl: permissive.config.redisUrl, prefix: permissive.config.redisPrefix, env: { WEBHOOK_ALLOW_HTTP: 'true' } })
  await storeReady(strict.app)
  await strict.admin('POST', `/v1/admin/webhooks/${id as string}/test`)
  await strict.app.tokenmint.deliveries.tick()
  const [delivery] = (await strict.admin('GET', `/v1/admin/webhooks/${id as string}/deliveries`)).json().items
  t.match(delivery, { status: 'pending', attempts: 1, lastStatus: null, lastError: /refused: localhost resolves to a loopback address/ })
  t.equal(receiver.received.length, 0, 'nothing reached the receiver')
})

t.test('metrics: deliveries by result, the pending queue and the age of its oldest entry', async t => {
  const { app, admin, clock, receiver } = await setup(t)
  receiver.answer = () => 500
  const { id } = (await admin('POST', '/v1/admin/webhooks', { url: receiver.url, events: ['*'] })).json()
  await admin('POST', `/v1/admin/webhooks/${id as string}/test`)
  await app.tokenmint.deliveries.tick()
  clock.advance(1500)
  const scrape = async (): Promise<string> => (await admin('GET', '/metrics')).body
  let text = await scrape()
  t.match(text, /tokenmint_webhook_deliveries_total\{result="retrying"\} 1\n/)
  t.match(text, /tokenmint_webhook_deliveries_total\{result="delivered"\} 0\n/)
  t.match(text, /tokenmint_webhook_queue_depth 1\n/)
  t.match(text, /tokenmint_webhook_oldest_pending_seconds 1\.5\n/)
  receiver.answer = () => 204
  clock.advance(1000)
  await app.tokenmint.deliveries.tick()
  text = await scrape()
  t.match(text, /tokenmint_webhook_deliveries_total\{result="delivered"\} 1\n/)
  t.match(text, /tokenmint_webhook_queue_depth 0\n/)
  t.match(text, /tokenmint_webhook_oldest_pending_seconds 0\n/)
})
