// CPU profile of tokenmint under an issuance load (HS256 by default, --alg for the others): `node --cpu-prof`, .cpuprofile and a top-functions summary in bench/results/.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { formatSummary, summarizeProfile, type CpuProfile } from './lib/cpu-profile.js'
import { JWKS_VERIFIERS, verifierRequests } from './lib/cases.js'
import { measure, type LoadRequest } from './lib/load.js'
import { runScript } from './lib/processes.js'
import { startRedis } from './lib/redis-server.js'
import { RESULTS_DIR } from './lib/report.js'
import { buildTokenmint, createTenant, createTenants, issueRequest, issueVariants, newSettings, ROOT, sanityCheck, startTokenmint, type BenchAlg } from './lib/tokenmint.js'

const USAGE = 'usage: npx tsx bench/profile.ts [--alg HS256|RS256|ES256|EdDSA] [--tenants N (HS256 only: a random one of N tenants per request)] [--jwks (GET the tenant\'s JWKS instead of issuing; an asymmetric --alg, RS256 by default)] [--verifiers N (JWKS: N distinct User-Agents, as npm run bench; 1000)] [--duration S (15)] [--connections C (50)] [--top N (25)] [--no-build]'
const ALGS: BenchAlg[] = ['HS256', 'RS256', 'ES256', 'EdDSA']

const log = (line: string): void => { process.stdout.write(`${line}\n`) }

async function main (): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      alg: { type: 'string', default: 'HS256' },
      duration: { type: 'string', default: '15' },
      connections: { type: 'string', default: '50' },
      top: { type: 'string', default: '25' },
      tenants: { type: 'string', default: '1' },
      verifiers: { type: 'string', default: String(JWKS_VERIFIERS) },
      jwks: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help === true) { log(USAGE); return 0 }
  const durationS = Number(values.duration)
  const connections = Number(values.connections)
  const top = Number(values.top)
  const tenantCount = Number(values.tenants)
  const verifierCount = Number(values.verifiers)
  if (![durationS, connections, top, tenantCount, verifierCount].every(n => Number.isFinite(n) && n > 0)) throw new Error(USAGE)
  const jwks = values.jwks === true
  const algName = jwks && values.alg === 'HS256' ? 'RS256' : values.alg
  const alg = ALGS.find(a => a.toLowerCase() === algName?.toLowerCase())
  if (alg === undefined || (tenantCount > 1 && (alg !== 'HS256' || jwks)) || (jwks && alg === 'HS256')) throw new Error(USAGE)

  if (values['no-build'] !== true) {
    log('building tokenmint (npm run build)...')
    await buildTokenmint()
  }
  mkdirSync(RESULTS_DIR, { recursive: true })
  const stamp = new Date().toISOString().replace(/:/g, '-')
  const name = `tokenmint-${jwks ? 'jwks-' : ''}${alg.toLowerCase()}${tenantCount > 1 ? `-${tenantCount}-tenants` : ''}-${stamp}.cpuprofile`
  const redis = await startRedis()
  const settings = newSettings(redis.url, {}, ['--cpu-prof', '--cpu-prof-dir', RESULTS_DIR, '--cpu-prof-name', name])
  const tokenmint = await startTokenmint(settings)
  const tenant = await createTenant(tokenmint.baseUrl, tokenmint.adminToken, 'bench-profile', alg)
  const problem = await sanityCheck(tokenmint.baseUrl, tenant)
  if (problem !== undefined) throw new Error(problem)

  const request: LoadRequest = jwks ? verifierRequests(`/v1/tenants/${tenant.id}/jwks.json`, verifierCount) : issueRequest(tenant)
  if (tenantCount > 1) {
    log(`creating ${tenantCount} tenants...`)
    const bulk = await createTenants(tokenmint.baseUrl, tokenmint.adminToken, 'bench-m-', tenantCount, 64, () => false)
    if (bulk.tenants.length !== tenantCount) throw new Error(`created ${bulk.tenants.length} of ${tenantCount} tenants: ${bulk.firstError ?? ''}`)
    request.variants = issueVariants(bulk.tenants)
  }
  const what = `${jwks ? `JWKS GET (${alg} tenant, ${verifierCount} verifiers)` : `${alg} issuance`}${tenantCount > 1 ? ` across ${tenantCount} tenants` : ''}`
  log(`profiling tokenmint (pid ${tokenmint.child.pid}) under ${what} for ${durationS} s at -c ${connections}...`)
  await measure(tokenmint.port, tokenmint.child.pid, request, { connections, durationS: tenantCount > 1 ? 5 : 2, warmupS: 0 })
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n)
  const fromUs = nowUs()
  const m = await measure(tokenmint.port, tokenmint.child.pid, request, { connections, durationS, warmupS: 0 })
  const window = { fromUs, toUs: nowUs() }
  if (m === undefined) throw new Error('load stopped')
  log(`  ${m.reqPerSec} req/s (profiler on), p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, non-2xx ${m.non2xx + m.errors + m.timeouts}`)

  // The profile is written when the process exits on its own: SIGTERM and a graceful shutdown.
  await tokenmint.child.stop(15_000)
  await redis.child.stop()
  if (!readdirSync(RESULTS_DIR).includes(name)) throw new Error(`no profile written (tokenmint did not exit cleanly on SIGTERM?):\n${tokenmint.child.tail()}`)
  const path = `${RESULTS_DIR}${name}`
  const summary = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, ROOT, window)
  const text = `tokenmint ${what}, ${durationS} s at -c ${connections}, ${m.reqPerSec} req/s with the profiler on\n\n${formatSummary(summary, top)}\n`
  writeFileSync(path.replace(/\.cpuprofile$/, '.summary.txt'), text)
  log('')
  log(text)
  log(`profile: ${path} (open in Chrome DevTools > Performance, or speedscope)`)
  log(`summary: ${path.replace(/\.cpuprofile$/, '.summary.txt')}`)
  return 0
}

runScript(main)
