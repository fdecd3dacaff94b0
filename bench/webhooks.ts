// Webhook bench: delivery rate to a local receiver, and HS256 issuance with a hanging receiver and a 10,000-delivery backlog.
import { createServer, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { measure } from './lib/load.js'
import { startRedis } from './lib/redis-server.js'
import { buildTokenmint, call, ISSUE_BODY, issueHeaders, newSettings, startTokenmint } from './lib/tokenmint.js'

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, backlog: { type: 'string', default: '10000' }, events: { type: 'string', default: '3000' }, 'no-build': { type: 'boolean', default: false } } })
const durationS = Number(values.duration)
const BACKLOG = Number(values.backlog)
const EVENTS = Number(values.events)

/** A loopback receiver: answers 204 at once, or never ('hang'). Counts what it got. */
async function receiver (mode: 'fast' | 'hang'): Promise<{ url: string, received: () => number, close: () => void }> {
  let received = 0
  const hanging: ServerResponse[] = []
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      received++
      if (mode === 'hang') hanging.push(response)
      else response.writeHead(204).end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    close: () => { for (const r of hanging) r.destroy(); server.closeAllConnections(); server.close() }
  }
}

async function main (): Promise<void> {
  if (!values['no-build']) await buildTokenmint()
  const redis = await startRedis()
  const settings = newSettings(redis.url, { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '10000' })
  const tm = await startTokenmint(settings)
  const admin = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await call(tm.baseUrl, method, path, { token: tm.adminToken, body })
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`)
    return res.body
  }
  const fast = await receiver('fast')
  const hang = await receiver('hang')
  try {
    await admin('POST', '/v1/admin/tenants', { id: 'bench-hs', name: 'bench', profile: 'smooch', rateLimit: { max: 1e9, timeWindow: 60_000 } })
    const { apiKey } = await admin('POST', '/v1/admin/tenants/bench-hs/api-keys', { name: 'bench' })
    const request = { method: 'POST' as const, path: '/v1/tenants/bench-hs/tokens', headers: issueHeaders(apiKey), body: ISSUE_BODY }
    const load = { connections: 50, durationS, warmupS: 1 }

    // 1. Delivery rate: EVENTS test events to one fast receiver, from enqueue to the last one received.
    const fastHook = await admin('POST', '/v1/admin/webhooks', { url: fast.url, events: ['webhook.test'] })
    const started = performance.now()
    for (let i = 0; i < EVENTS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, EVENTS - i) }, async () => await admin('POST', `/v1/admin/webhooks/${fastHook.id as string}/test`)))
    }
    while (fast.received() < EVENTS) await new Promise(resolve => setTimeout(resolve, 20))
    const rate = EVENTS / ((performance.now() - started) / 1000)
    await admin('DELETE', `/v1/admin/webhooks/${fastHook.id as string}`)

    // 2. Issuance without webhooks, then with a hanging receiver holding a backlog of BACKLOG pending deliveries.
    const idle = await measure(tm.port, tm.child.pid ?? 0, request, load)
    const hangHook = await admin('POST', '/v1/admin/webhooks', { url: hang.url, events: ['*'] })
    for (let i = 0; i < BACKLOG; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, BACKLOG - i) }, async () => await admin('POST', `/v1/admin/webhooks/${hangHook.id as string}/test`)))
    }
    const pending = await admin('GET', `/v1/admin/webhooks/${hangHook.id as string}/deliveries?status=pending&limit=1`)
    const busy = await measure(tm.port, tm.child.pid ?? 0, request, load)
    if (idle === undefined || busy === undefined) throw new Error('a measurement was stopped')
    const ratio = busy.okPerSec / idle.okPerSec
    const report = {
      deliveryRatePerSec: Math.round(rate),
      events: EVENTS,
      issuanceIdlePerSec: Math.round(idle.okPerSec),
      issuanceWithBacklogPerSec: Math.round(busy.okPerSec),
      backlogPending: BACKLOG,
      backlogHasPending: pending.items.length === 1,
      hangingReceiverGot: hang.received(),
      ratio: Number(ratio.toFixed(3)),
      target: '>= 0.95',
      met: ratio >= 0.95,
      p99IdleMs: idle.p99Ms,
      p99WithBacklogMs: busy.p99Ms,
      non2xx: idle.non2xx + busy.non2xx
    }
    console.log(JSON.stringify(report, null, 2))
  } finally {
    fast.close()
    hang.close()
    await tm.child.stop()
    await redis.child.stop()
  }
}

main().catch(err => {
  console.error(err)
  process.exitCode = 1
})
