// Webhook bench: delivery rate to a local receiver, and HS256 issuance with a hanging receiver and a 10,000-delivery backlog against an instance without webhooks, measured alternately.
import { createServer, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { measure, type LoadRequest, type Measurement } from './lib/load.js'
import { median } from './lib/stats.js'
import { startRedis } from './lib/redis-server.js'
import { buildTokenmint, call, issueRequest, newSettings, startTokenmint } from './lib/tokenmint.js'

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, runs: { type: 'string', default: '3' }, backlog: { type: 'string', default: '10000' }, events: { type: 'string', default: '3000' }, 'no-build': { type: 'boolean', default: false } } })
const durationS = Number(values.duration)
const RUNS = Number(values.runs)
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

/** SIGSTOP / SIGCONT: the instance not being measured takes no CPU from the one that is. */
function pause (pids: number[], paused: boolean): void {
  for (const pid of pids) process.kill(pid, paused ? 'SIGSTOP' : 'SIGCONT')
}

async function main (): Promise<void> {
  if (!values['no-build']) await buildTokenmint()
  const env = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '10000' }
  // Two instances, each on its own Redis: "plain" has no webhook, "backlog" the hanging receiver and its backlog.
  const plainRedis = await startRedis()
  const backlogRedis = await startRedis()
  const plain = await startTokenmint(newSettings(plainRedis.url, env))
  const tm = await startTokenmint(newSettings(backlogRedis.url, env))
  const fast = await receiver('fast')
  const hang = await receiver('hang')
  const paused: number[][] = []
  try {
    const setUp = async (instance: typeof tm): Promise<{ admin: (method: string, path: string, body?: unknown) => Promise<any>, request: LoadRequest }> => {
      const admin = async (method: string, path: string, body?: unknown): Promise<any> => {
        const res = await call(instance.baseUrl, method, path, { token: instance.adminToken, body })
        if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`)
        return res.body
      }
      await admin('POST', '/v1/admin/tenants', { id: 'bench-hs', name: 'bench', profile: 'smooch', rateLimit: { max: 1e9, timeWindow: 60_000 } })
      const { apiKey } = await admin('POST', '/v1/admin/tenants/bench-hs/api-keys', { name: 'bench' })
      return { admin, request: issueRequest({ id: 'bench-hs', apiKey }) }
    }
    const plainSide = await setUp(plain)
    const { admin, request } = await setUp(tm)
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

    // 2. The backlog: a webhook whose receiver never answers, BACKLOG deliveries pending for it.
    const hangHook = await admin('POST', '/v1/admin/webhooks', { url: hang.url, events: ['*'] })
    for (let i = 0; i < BACKLOG; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, BACKLOG - i) }, async () => await admin('POST', `/v1/admin/webhooks/${hangHook.id as string}/test`)))
    }

    // 3. Issuance on each instance, alternately (the order swapped every run), the other one stopped meanwhile.
    const sides = {
      plain: { instance: plain, request: plainSide.request, pids: [plain.child.pid ?? 0, plainRedis.child.pid ?? 0], runs: [] as Measurement[] },
      backlog: { instance: tm, request, pids: [tm.child.pid ?? 0, backlogRedis.child.pid ?? 0], runs: [] as Measurement[] }
    }
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 === 0 ? [sides.plain, sides.backlog] : [sides.backlog, sides.plain]
      for (const side of order) {
        const other = side === sides.plain ? sides.backlog : sides.plain
        pause(other.pids, true)
        paused.push(other.pids)
        const m = await measure(side.instance.port, side.instance.child.pid ?? 0, side.request, load)
        pause(other.pids, false)
        paused.pop()
        if (m === undefined) throw new Error('a measurement was stopped')
        side.runs.push(m)
        process.stderr.write(`[run ${run + 1}/${RUNS}] ${side === sides.plain ? 'no webhooks' : `backlog of ${BACKLOG}`}: ${m.okPerSec} tokens/s, p99 ${m.p99Ms} ms\n`)
      }
    }
    const pending = await admin('GET', `/v1/admin/webhooks/${hangHook.id as string}/deliveries?status=pending&limit=1`)
    const ratios = sides.backlog.runs.map((m, i) => Number((m.okPerSec / sides.plain.runs[i].okPerSec).toFixed(3)))
    const ratio = median(ratios) ?? 0
    const all = [...sides.plain.runs, ...sides.backlog.runs]
    const report = {
      deliveryRatePerSec: Math.round(rate),
      events: EVENTS,
      issuanceIdlePerSec: median(sides.plain.runs.map(m => m.okPerSec)),
      issuanceWithBacklogPerSec: median(sides.backlog.runs.map(m => m.okPerSec)),
      backlogPending: BACKLOG,
      backlogHasPending: pending.items.length === 1,
      hangingReceiverGot: hang.received(),
      ratio,
      ratioPerRun: ratios,
      target: '>= 0.95',
      met: ratio >= 0.95,
      p99IdleMs: median(sides.plain.runs.map(m => m.p99Ms)),
      p99WithBacklogMs: median(sides.backlog.runs.map(m => m.p99Ms)),
      non2xx: all.reduce((sum, m) => sum + m.non2xx + m.errors + m.timeouts, 0)
    }
    console.log(JSON.stringify(report, null, 2))
  } finally {
    for (const pids of paused) pause(pids, false)
    fast.close()
    hang.close()
    await Promise.all([plain.child.stop(), tm.child.stop()])
    await Promise.all([plainRedis.child.stop(), backlogRedis.child.stop()])
  }
}

main().catch(err => {
  console.error(err)
  process.exitCode = 1
})
