// Graceful shutdown of the real entry point under load: SIGTERM lets every accepted request finish, then the process exits 0.
import { Agent, request as httpRequest } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import t from 'tap'
import { ADMIN_TOKEN, MASTER_KEY } from '../helpers/build.js'
import { startServer } from '../helpers/process.js'
import { startRedis, uniquePrefix } from '../helpers/redis-server.js'

const CONCURRENCY = 16
/** Successful issuances before the signal: the load is well under way. */
const ISSUED_BEFORE_SIGNAL = 300
const EXIT_WITHIN_MS = 10_000
/** What a client may see for a request the server never accepted: the listener or an idle socket was closed under it. */
const REFUSED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE'])

interface Outcome {
  n: number
  sentAfterSignal: boolean
  answeredAfterSignal: boolean
  status?: number
  body?: string
  error?: string
}

interface Answer { status: number, body: string }

/** One POST over `agent`; resolves with the answer, or rejects with the socket error. */
async function post (agent: Agent, url: string, headers: Record<string, string>, payload: unknown): Promise<Answer> {
  const body = JSON.stringify(payload)
  return await new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Waits until /readyz says the store answers (the child connects to Redis after it listens). */
async function storeAnswers (url: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if ((await fetch(`${url}/readyz`)).status === 200) return
    await delay(25)
  }
  throw new Error('the server never became ready')
}

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message

t.test('SIGTERM under load: accepted requests complete with 201, later ones get a 503 or are refused, exit 0 within 10 s', async t => {
  const redis = await startRedis(t)
  const server = await startServer(t, { REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix(), MASTER_KEY, ADMIN_TOKEN, LOG_LEVEL: 'info' })
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  t.teardown(() => agent.destroy())

  await storeAnswers(server.url)
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const tenant = await post(agent, `${server.url}/v1/admin/tenants`, admin, { id: 'drain-co', name: 'Drain Co', profile: 'smooch', rateLimit: { max: 1_000_000, timeWindow: '1 minute' } })
  t.equal(tenant.status, 201, tenant.body)
  const apiKey = await post(agent, `${server.url}/v1/admin/tenants/drain-co/api-keys`, admin, { name: 'load' })
  t.equal(apiKey.status, 201, apiKey.body)
  const auth = { authorization: `Bearer ${JSON.parse(apiKey.body).apiKey as string}` }

  const outcomes: Outcome[] = []
  let next = 0
  let issued = 0
  let signalled = false
  let exited = false
  let loadRunning!: () => void
  let loadFailed!: (err: Error) => void
  const underWay = new Promise<void>((resolve, reject) => { loadRunning = resolve; loadFailed = reject })
  const exitCode = server.exited.then(code => {
    exited = true
    return code
  })

  // Each worker issues back to back on its keep-alive socket until the process is gone.
  const worker = async (): Promise<void> => {
    // eslint-disable-next-line no-unmodified-loop-condition -- set when the child exits
    while (!exited) {
      const outcome: Outcome = { n: next++, sentAfterSignal: signalled, answeredAfterSignal: false }
      try {
        const res = await post(agent, `${server.url}/v1/tenants/drain-co/tokens?n=${outcome.n}`, auth, { userId: `u-${outcome.n}` })
        outcome.status = res.status
        outcome.body = res.body
        if (res.status === 201 && ++issued === ISSUED_BEFORE_SIGNAL) loadRunning()
      } catch (err) {
        outcome.error = errorCode(err)
        // Refused: the listener is closed; wait for the exit rather than spin.
        if (outcome.error === 'ECONNREFUSED') await exitCode
      }
      outcome.answeredAfterSignal = signalled
      outcomes.push(outcome)
      if (!signalled && outcome.status !== 201) loadFailed(new Error(`issuance failed before the signal: ${JSON.stringify(outcome)}`))
    }
  }
  const workers = Array.from({ length: CONCURRENCY }, worker)

  await underWay.catch(async (err: Error) => {
    server.child.kill('SIGKILL')
    await Promise.all(workers)
    throw err
  })
  const inFlightAtSignal = next - outcomes.length
  signalled = true
  server.child.kill('SIGTERM')

  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([exitCode, new Promise<string>(resolve => { timer = setTimeout(() => resolve('still running'), EXIT_WITHIN_MS) })])
  clearTimeout(timer)
  t.equal(code, 0, 'the process exits 0 within 10 s of SIGTERM')
  await Promise.all(workers)

  // The server logs every request it accepted ("incoming request"), with the ?n= the client sent.
  const logs = server.stdout().split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line) as Record<string, any>)
  const accepted = new Set(logs.filter(line => line.msg === 'incoming request').map(line => /[?&]n=(\d+)/.exec(String(line.req?.url))?.[1]).filter(n => n !== undefined).map(Number))
  t.same(logs.filter(line => line.level >= 50), [], 'no line logged at error level or above')
  t.equal(server.stderr(), '', 'nothing written to stderr')
  t.ok(logs.some(line => line.msg === 'shutting down' && line.signal === 'SIGTERM'), 'the shutdown is logged with its signal')
  t.ok(inFlightAtSignal > 0, `${inFlightAtSignal} requests were in flight when SIGTERM was sent`)

  const lostAccepted = outcomes.filter(o => accepted.has(o.n) && o.status !== 201)
  t.same(lostAccepted, [], 'every request the server accepted completed with 201: no reset, no 503')
  const completedDuringDrain = outcomes.filter(o => !o.sentAfterSignal && o.answeredAfterSignal && o.status === 201)
  t.ok(completedDuringDrain.length > 0, `${completedDuringDrain.length} requests in flight at the signal completed with 201 during the drain`)

  const unavailable = outcomes.filter(o => o.status === 503)
  t.same(unavailable.filter(o => !o.answeredAfterSignal), [], 'a 503 only once the shutdown has begun')
  for (const o of unavailable) t.match(JSON.parse(o.body ?? '{}'), { statusCode: 503 }, `request ${o.n}: a clean 503 (return503OnClosing)`)
  const failed = outcomes.filter(o => o.error !== undefined)
  t.same(failed.filter(o => accepted.has(o.n) || !o.answeredAfterSignal || !REFUSED.has(o.error as string)), [],
    'a request fails at the socket only if the server never accepted it, and only after the signal')
  t.same(outcomes.filter(o => o.status !== undefined && o.status !== 201 && o.status !== 503), [], 'no status other than 201 and 503')
  t.comment(`${outcomes.length} requests: ${outcomes.filter(o => o.status === 201).length} issued (${completedDuringDrain.length} during the drain), ` +
    `${unavailable.length} 503, ${failed.length} refused at the socket (${[...new Set(failed.map(o => o.error))].map(code => `${code as string}: ${failed.filter(o => o.error === code).length}`).join(', ')})`)
})
