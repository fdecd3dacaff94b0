// A Redis that is slow (a delaying TCP proxy) or hangs (SIGSTOP): requests stay bounded in time, the command queue in size.
import { tracingChannel } from 'node:diagnostics_channel'
import { EventEmitter, once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { build, FakeClock, redisStoreOf, storeReady } from '../../helpers/build.js'
import { startRedis } from '../../helpers/redis-server.js'
import { createTenant, issue, type CreatedTenant } from '../../helpers/tenants.js'

/** A TCP proxy to a local port that forwards every chunk `delayMs` late, in both directions, in order. */
async function slowProxy (t: Test, port: number, delayMs: number): Promise<{ url: string }> {
  const sockets = new Set<Socket>()
  const server = createServer(client => {
    const upstream = connect(port, '127.0.0.1')
    const forward = (from: Socket, to: Socket): void => {
      sockets.add(from)
      from.on('data', chunk => { setTimeout(() => { if (!to.destroyed) to.write(chunk) }, delayMs) })
      from.on('close', () => { setTimeout(() => { to.destroy() }, delayMs) })
      from.on('error', () => {})
    }
    forward(client, upstream)
    forward(upstream, client)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy()
    server.close()
    await once(server, 'close')
  })
  return { url: `redis://127.0.0.1:${(server.address() as { port: number }).port}` }
}

interface QueueWatch {
  /** Longest the main client's command queue (sent, awaiting a reply) was when a command was sent. */
  peak: number
  /** Commands sent by any client of the process. */
  sent: number
  reset: () => void
  /** Resolves when the next command is written. */
  nextSend: () => Promise<void>
}

/** The app's Redis client; its command queue holds the commands sent and not answered yet (replaced on reconnect). */
function clientOf (app: FastifyInstance): Redis {
  const client = redisStoreOf(app).redis
  if (!(client instanceof Redis)) throw new Error('these tests run on a standalone Redis')
  return client
}

/** Samples the app's command queue each time ioredis sends a command (its diagnostics channel). */
function watchQueue (t: Test, app: FastifyInstance): QueueWatch {
  const client = clientOf(app)
  const sends = new EventEmitter()
  const watch: QueueWatch = {
    peak: 0,
    sent: 0,
    reset () {
      watch.peak = 0
      watch.sent = 0
    },
    nextSend: async () => { await once(sends, 'sent') }
  }
  const handlers = {
    start () {
      watch.sent++
      watch.peak = Math.max(watch.peak, client.commandQueue.length)
      sends.emit('sent')
    },
    end () {},
    asyncStart () {},
    asyncEnd () {},
    error () {}
  }
  const channel = tracingChannel('ioredis:command')
  channel.subscribe(handlers)
  t.teardown(() => { channel.unsubscribe(handlers) })
  return watch
}

function queueLength (app: FastifyInstance): number {
  return clientOf(app).commandQueue.length
}

/** Fires `count` issuance requests at once; resolves with each one's status and duration (ms). */
async function burst (app: FastifyInstance, tenant: CreatedTenant, count: number): Promise<Array<{ status: number, ms: number }>> {
  return await Promise.all(Array.from({ length: count }, async (_, i) => {
    const started = performance.now()
    const res = await issue(app, tenant.id, tenant.apiKey, { userId: `u-${i}` })
    return { status: res.statusCode, ms: performance.now() - started }
  }))
}

t.test('a slow Redis (200 ms added each way): every request completes, one command per issuance at most', async t => {
  const redis = await startRedis(t)
  const proxy = await slowProxy(t, redis.port, 200)
  const clock = new FakeClock()
  // No scheduler: its ticks (rotation, activation gate) are no part of the requests counted here.
  const { app, admin } = await build(t, { redisUrl: proxy.url, clock, scheduler: false, env: { CACHE_TTL_MS: '50' } })
  await storeReady(app)
  // The webhook delivery worker's polling is no part of the requests counted here either.
  await app.ready()
  await app.tokenmint.deliveries.stop()
  const watch = watchQueue(t, app)

  // Tenant creation (index, audit set, write script), API key creation (read, write) and rotation (read, write).
  const writes: Array<[string, string, unknown]> = [
    ['POST', '/v1/admin/tenants', { id: 'slow', name: 'slow', profile: 'smooch', rateLimit: { max: 100_000, timeWindow: 60_000 } }],
    ['POST', '/v1/admin/tenants/slow/api-keys', { name: 'backend' }],
    ['POST', '/v1/admin/tenants/slow/keys/rotate', {}]
  ]
  const answers = []
  for (const [method, url, payload] of writes) {
    const started = performance.now()
    const res = await admin(method, url, payload)
    const elapsed = performance.now() - started
    t.equal(res.statusCode, 201, `${method} ${url} completes`)
    t.ok(elapsed < 4000, `${method} ${url} took ${Math.round(elapsed)} ms: a few 400 ms round trips, each bounded by the command timeout`)
    answers.push(res.json())
  }
  const tenant: CreatedTenant = { id: 'slow', apiKey: answers[1].apiKey, body: answers[0] }
  t.equal((await issue(app, tenant.id, tenant.apiKey, { userId: 'warm' })).statusCode, 201)

  // The cache entry is past its 50 ms TTL: the burst needs one snapshot read (shared) and one rate-limit count each.
  clock.advance(1000)
  watch.reset()
  const results = await burst(app, tenant, 200)
  t.same([...new Set(results.map(r => r.status))], [201], 'all 200 get a token')
  const slowest = Math.max(...results.map(r => r.ms))
  t.ok(slowest < 2000, `the slowest issuance took ${Math.round(slowest)} ms: one shared read and one count, each bounded by the 1 s command timeout`)
  t.ok(watch.sent <= 201, `${watch.sent} commands for 200 issuances: one count each and one shared snapshot read`)
  t.ok(watch.peak <= 201, `the command queue peaked at ${watch.peak}: never more than one command per request in flight`)
  t.equal(queueLength(app), 0, 'and it is empty once they are answered')
})

t.test('a Redis that hangs (SIGSTOP): the queue stays bounded, cached issuance goes on, writes fail, it recovers', async t => {
  const redis = await startRedis(t)
  // No background commands (scheduler ticks, the delivery worker's polling) in the queue this test measures.
  const { app, admin } = await build(t, { redisUrl: redis.url, scheduler: false })
  await storeReady(app)
  await app.ready()
  await app.tokenmint.deliveries.stop()
  const watch = watchQueue(t, app)
  const tenant = await createTenant(app, { id: 'hung', profile: 'smooch', rateLimit: { max: 100_000, timeWindow: 60_000 } })
  t.equal((await issue(app, tenant.id, tenant.apiKey, { userId: 'warm' })).statusCode, 201)

  redis.freeze()
  t.teardown(redis.thaw)
  watch.reset()
  const WAVE = 100
  let slowest = 0
  const statuses = new Set<number>()
  const record = (results: Array<{ status: number, ms: number }>): void => {
    for (const r of results) statuses.add(r.status)
    slowest = Math.max(slowest, ...results.map(r => r.ms))
  }

  // Wave 0 and an admin write go out on the connection that hangs. A late batch, sent once they are on the wire,
  // finds that (auto-)pipeline unanswered: its counts wait unsent behind it, and still give up at their own deadline.
  const started = performance.now()
  const creation = admin('POST', '/v1/admin/tenants', { id: 'during-hang', name: 'x', profile: 'smooch' })
    .then(res => ({ statusCode: res.statusCode, code: res.json().code, elapsed: performance.now() - started }))
  const first = burst(app, tenant, WAVE)
  await watch.nextSend()
  const late = burst(app, tenant, WAVE / 2)
  record(await first)
  const lateResults = await late
  record(lateResults)
  const lateSlowest = Math.max(...lateResults.map(r => r.ms))
  t.ok(lateSlowest < 1600, `the late batch waited ${Math.round(lateSlowest)} ms: its own deadline, not the pipeline ahead plus its own`)
  // Three more waves: the first waits for the connection that has returned nothing for 2 s to be dropped;
  // from then on the counts fail at once (no offline queue) and requests are let through at once.
  for (let wave = 1; wave < 4; wave++) record(await burst(app, tenant, WAVE))
  t.same([...statuses], [201], 'every request of every wave got a token')
  t.ok(slowest < 1600, `no issuance waited much past the 1 s command timeout (slowest ${Math.round(slowest)} ms)`)
  t.ok(watch.peak <= 2 * WAVE + 5, `the command queue peaked at ${watch.peak}, not at one entry per request of every wave (${4.5 * WAVE})`)
  t.ok(queueLength(app) <= 5, `after the waves it holds ${queueLength(app)} (the reconnection handshake at most)`)

  const created = await creation
  t.match(created, { statusCode: 503, code: 'STORE_UNAVAILABLE' }, 'the admin write sent into the hang failed')
  // Its first command may wait, unsent, behind the pipeline ahead of it; the dropped connection fails both.
  t.ok(created.elapsed < 2600, `within two command timeouts (${Math.round(created.elapsed)} ms)`)

  // Once the connection is dropped, everything that needs Redis fails at once.
  for (const [what, call] of [
    ['tenant creation', async () => await admin('POST', '/v1/admin/tenants', { id: 'during-hang', name: 'x', profile: 'smooch' })],
    ['rotation', async () => await admin('POST', `/v1/admin/tenants/${tenant.id}/keys/rotate`, {})],
    ['readyz', async () => await app.inject('/readyz')]
  ] as Array<[string, () => Promise<{ statusCode: number, json: () => any }>]>) {
    const started = performance.now()
    const res = await call()
    const elapsed = performance.now() - started
    t.equal(res.statusCode, 503, `${what}: 503`)
    t.equal(res.json().code, 'STORE_UNAVAILABLE', `${what}: STORE_UNAVAILABLE`)
    t.ok(elapsed < 2000, `${what}: answered in ${Math.round(elapsed)} ms`)
  }

  redis.thaw()
  await storeReady(app)
  t.equal((await app.inject('/readyz')).statusCode, 200)
  t.equal((await admin('POST', `/v1/admin/tenants/${tenant.id}/keys/rotate`, {})).statusCode, 201)
  t.equal((await issue(app, tenant.id, tenant.apiKey, { userId: 'after' })).statusCode, 201)
  t.equal((await admin('GET', '/v1/admin/tenants/during-hang')).statusCode, 404, 'the refused creation left no tenant')
  t.same((await admin('GET', '/v1/admin/tenants')).json().items.map((item: { id: string }) => item.id), ['hung'], 'nor a listed one')
  t.equal(queueLength(app), 0)
})
