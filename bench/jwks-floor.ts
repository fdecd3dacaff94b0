// What a JWKS answer costs in fastify itself: tokenmint's JWKS GET next to a bare fastify route sending the same
// bytes (with and without fastify's logger), each as a ratio to the hello baseline, on fresh servers and again after
// every server has served other routes. Not part of `npm run bench`; see bench/README.md.
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { startBaseline } from './lib/baselines.js'
import { verifierRequests } from './lib/cases.js'
import { measure, type LoadRequest } from './lib/load.js'
import { runScript, spawnTracked, waitForLine } from './lib/processes.js'
import { startRedis } from './lib/redis-server.js'
import { median } from './lib/stats.js'
import { buildTokenmint, createTenant, ISSUE_BODY, issueHeaders, issueRequest, newSettings, ROOT, startTokenmint } from './lib/tokenmint.js'

const USAGE = 'usage: npx tsx bench/jwks-floor.ts [--rounds N (8)] [--duration S (2)] [--warm S (8: other traffic per server between the two phases)] [--pin (servers on CPU 1, this load generator on CPU 0, with taskset)] [--no-build]'
/** tokenmint sets these on a JWKS answer; Node adds content-length, date and the keep-alive pair itself. */
const RECORDED_HEADERS = ['cache-control', 'etag', 'access-control-allow-origin', 'content-type', 'x-content-type-options']

const log = (line: string): void => { process.stdout.write(`${line}\n`) }

/** Every server also has this route; it and `issuance` are the other traffic between the two phases. */
const HEALTH: LoadRequest = { method: 'GET', path: '/healthz' }

interface Server {
  name: string
  port: number
  pid: number
  jwks: LoadRequest
  /** Its issuance (tokenmint) or issuance-like POST (the bare routes). */
  issuance: LoadRequest
}

async function startRoute (name: string, response: { body: string, headers: Record<string, string> }, logger: boolean): Promise<Server> {
  const child = spawnTracked(name, process.execPath, ['--import', 'tsx', 'bench/baselines/jwks-route.ts', '0', ...(logger ? ['--logger'] : [])], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', JWKS_RESPONSE: JSON.stringify(response) }
  })
  const port = Number((await waitForLine(child, /listening (\d+)/, 30_000))[1])
  const issuance: LoadRequest = { method: 'POST', path: '/t', headers: issueHeaders('bench'), body: ISSUE_BODY }
  return { name, port, pid: child.pid, jwks: verifierRequests('/'), issuance }
}

function pin (pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' })
}

async function main (): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      rounds: { type: 'string', default: '8' },
      duration: { type: 'string', default: '2' },
      warm: { type: 'string', default: '8' },
      pin: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help === true) { log(USAGE); return 0 }
  const rounds = Number(values.rounds)
  const durationS = Number(values.duration)
  const warmS = Number(values.warm)
  if (![rounds, durationS, warmS].every(n => Number.isInteger(n) && n > 0)) throw new Error(USAGE)

  if (values['no-build'] !== true) {
    log('building tokenmint (npm run build)...')
    await buildTokenmint()
  }
  const redis = await startRedis()
  const tokenmint = await startTokenmint(newSettings(redis.url))
  const rs = await createTenant(tokenmint.baseUrl, tokenmint.adminToken, 'floor-rs256', 'RS256')
  const hs = await createTenant(tokenmint.baseUrl, tokenmint.adminToken, 'floor-hs256', 'HS256')
  const jwksPath = `/v1/tenants/${rs.id}/jwks.json`
  const answer = await fetch(`${tokenmint.baseUrl}${jwksPath}`)
  if (answer.status !== 200) throw new Error(`GET ${jwksPath} → ${answer.status}`)
  const response = { body: await answer.text(), headers: Object.fromEntries(RECORDED_HEADERS.map(name => [name, answer.headers.get(name) ?? ''])) }

  const hello = await startBaseline('hello')
  const servers: Server[] = [
    {
      name: 'tokenmint JWKS GET',
      port: tokenmint.port,
      pid: tokenmint.child.pid,
      jwks: verifierRequests(jwksPath),
      issuance: issueRequest(hs)
    },
    await startRoute('fastify route, same answer, logger at warn', response, true),
    await startRoute('fastify route, same answer, no logger', response, false)
  ]
  if (values.pin === true) {
    for (const pid of [...servers.map(s => s.pid), hello.pid]) pin(pid, 1)
    pin(process.pid, 0)
  }
  log(`answer: ${Buffer.byteLength(response.body)} bytes of body; headers ${RECORDED_HEADERS.join(', ')}${values.pin === true ? '; pinned' : ''}`)

  const helloRequest: LoadRequest = { method: 'GET', path: '/' }
  const rate = async (port: number, pid: number, request: LoadRequest, seconds: number): Promise<number> =>
    (await measure(port, pid, request, { connections: 50, durationS: seconds, warmupS: 0 }))?.reqPerSec ?? 0
  /** Rounds of every server and hello, the order reversed every round; each server's per-round ratio to hello. */
  const phase = async (label: string): Promise<Map<string, number[]>> => {
    const ratios = new Map<string, number[]>(servers.map(s => [s.name, []]))
    const targets = [...servers.map(s => ({ name: s.name, port: s.port, pid: s.pid, request: s.jwks })), { name: 'hello', port: hello.port, pid: hello.pid, request: helloRequest }]
    for (let round = 0; round < rounds; round++) {
      const rates = new Map<string, number>()
      for (const target of round % 2 === 0 ? targets : [...targets].reverse()) rates.set(target.name, await rate(target.port, target.pid, target.request, durationS))
      const helloRate = rates.get('hello') ?? 0
      const roundRatios = servers.map(s => (rates.get(s.name) ?? 0) / helloRate)
      log(`[${label} ${round + 1}/${rounds}] hello ${helloRate} req/s; ratios ${roundRatios.map(r => r.toFixed(2)).join(' / ')}`)
      servers.forEach((server, i) => ratios.get(server.name)?.push(roundRatios[i]))
    }
    return ratios
  }

  for (const server of [...servers, { port: hello.port, pid: hello.pid, jwks: helloRequest }]) await rate(server.port, server.pid, server.jwks, 3)
  const fresh = await phase('fresh')
  log(`other traffic: ${warmS} s of issuance and ${Math.ceil(warmS / 2)} s of /healthz on each server...`)
  for (const server of servers) {
    await rate(server.port, server.pid, server.issuance, warmS)
    await rate(server.port, server.pid, HEALTH, Math.ceil(warmS / 2))
  }
  const after = await phase('after')

  const cell = (values: number[] | undefined): string => values === undefined || values.length === 0
    ? '-'
    : `${(median(values) ?? 0).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`
  log('')
  log('| ratio to fastify hello (median, range) | fresh | after other traffic |')
  log('|---|---|---|')
  for (const server of servers) log(`| ${server.name} | ${cell(fresh.get(server.name))} | ${cell(after.get(server.name))} |`)
  return 0
}

runScript(main)
