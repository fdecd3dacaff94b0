// Soak test: the built tokenmint on its own redis-server under steady issuance load for N minutes, sampling RSS, heap, p99 and errors every 10 s.
import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { killAllSync, stopAll } from './lib/processes.js'
import { readCpuSeconds, readMachineCpu, readMemory } from './lib/proc-stats.js'
import { startRedis } from './lib/redis-server.js'
import { median } from './lib/stats.js'
import { ROOT, buildTokenmint, call, createTenant, issueHeaders, ISSUE_BODY, newSettings, sanityCheck, startTokenmint } from './lib/tokenmint.js'

const USAGE = `usage: npm run soak -- [options]

  --minutes N       how long the load runs (default 5; fractions allowed)
  --connections C   autocannon connections issuing HS256 tokens (default 20)
  --jwks-rate R     JWKS GETs per second beside the issuance load (default 5)
  --sample S        seconds between samples (default 10)
  --no-build        do not run \`npm run build\` first (dist/ must be current)
  -h, --help        this text

Writes bench/results/soak-latest.json. Ctrl-C stops the load early and still reports.`

interface SoakOptions {
  minutes: number
  connections: number
  jwksRate: number
  sampleS: number
  build: boolean
}

/** One sample: the window since the previous one. */
interface Sample {
  /** Seconds since the load started, at the end of the window. */
  t: number
  rssMb: number
  heapUsedMb?: number
  /** Issuance responses in the window, per second. */
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Non-2xx responses in the window (issuance and JWKS). */
  non2xx: number
  /** Socket errors and timeouts in the window. */
  errors: number
  jwks: number
  /** CPU of the server over the window, percent of one core. */
  serverCpu?: number
  /** CPU used on the machine by neither the server, its redis-server nor this load generator, percent of one core: noise. */
  otherCpu?: number
}

const MB = 1024 * 1024
const round = (n: number, digits = 1): number => Number(n.toFixed(digits))
const log = (line: string): void => { process.stdout.write(`${line}\n`) }

function parseOptions (argv: string[]): SoakOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      minutes: { type: 'string' },
      connections: { type: 'string' },
      'jwks-rate': { type: 'string' },
      sample: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help === true) return 'help'
  const positive = (name: string, raw: string | undefined, fallback: number, integer = false): number => {
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`)
    return value
  }
  return {
    minutes: positive('minutes', values.minutes, 5),
    connections: positive('connections', values.connections, 20, true),
    jwksRate: positive('jwks-rate', values['jwks-rate'], 5, true),
    sampleS: positive('sample', values.sample, 10),
    build: values['no-build'] !== true
  }
}

/** The value at quantile q (0..1) of sorted numbers. */
function quantile (sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

/** Least-squares slope of y over x. */
function slope (points: Array<[number, number]>): number {
  const n = points.length
  if (n < 2) return 0
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  return sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx
}

async function heapUsedMb (baseUrl: string, adminToken: string): Promise<number | undefined> {
  try {
    const metrics = await call(baseUrl, 'GET', '/metrics', { token: adminToken })
    const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics.text)
    return match === null ? undefined : round(Number(match[1]) / MB)
  } catch {
    return undefined
  }
}

/**
 * Samples whose window lies in the first and in the last minute (the first and last third when the run
 * is under 3 minutes); at least one each, even for a run cut short.
 */
function edges (samples: Sample[], durationS: number, sampleS: number): { first: Sample[], last: Sample[], span: string } {
  const window = durationS >= 180 ? 60 : durationS / 3
  const firstEnd = Math.max(window, samples[0]?.t ?? 0)
  const lastStart = Math.min(durationS - window, (samples[samples.length - 1]?.t ?? durationS) - sampleS)
  return {
    first: samples.filter(s => s.t <= firstEnd + 0.5),
    last: samples.filter(s => s.t - sampleS >= lastStart - 0.5),
    span: durationS >= 180 ? 'minute' : `${round(window, 0)} s`
  }
}

function summarize (samples: Sample[], durationS: number, sampleS: number, totals: { requests: number, non2xx: number, errors: number, jwks: number }) {
  const { first, last, span } = edges(samples, durationS, sampleS)
  const med = (list: Sample[], pick: (s: Sample) => number | undefined): number => round(median(list.map(pick).filter((v): v is number => v !== undefined)) ?? 0, 2)
  const rssFirst = med(first, s => s.rssMb)
  const rssLast = med(last, s => s.rssMb)
  const heapFirst = med(first, s => s.heapUsedMb)
  const heapLast = med(last, s => s.heapUsedMb)
  const p99First = med(first, s => s.p99Ms)
  const p99Last = med(last, s => s.p99Ms)
  const rssGrowthPercent = rssFirst > 0 ? round(((rssLast - rssFirst) / rssFirst) * 100) : 0
  const summary = {
    span,
    durationS: round(durationS, 0),
    issued: totals.requests,
    meanReqPerSec: round(totals.requests / Math.max(durationS, 1), 0),
    jwksGets: totals.jwks,
    non2xx: totals.non2xx,
    errors: totals.errors,
    rss: { firstMb: rssFirst, lastMb: rssLast, growthMb: round(rssLast - rssFirst), growthPercent: rssGrowthPercent, maxMb: round(Math.max(...samples.map(s => s.rssMb), 0)) },
    heapUsed: { firstMb: heapFirst, lastMb: heapLast, growthMb: round(heapLast - heapFirst) },
    p99: {
      firstMs: p99First,
      lastMs: p99Last,
      slopeMsPerMinute: round(slope(samples.map(s => [s.t / 60, s.p99Ms])), 3),
      worstMs: Math.max(...samples.map(s => s.p99Ms), 0)
    },
    rssSlopeMbPerMinute: round(slope(samples.map(s => [s.t / 60, s.rssMb])), 2),
    /** Median CPU of other processes, percent of one core: high values make the latency figures noisy. */
    otherCpuMedian: round(median(samples.map(s => s.otherCpu).filter((v): v is number => v !== undefined)) ?? 0, 0)
  }
  const stable = totals.non2xx + totals.errors === 0 && rssGrowthPercent < 10 && p99Last <= Math.max(2 * p99First, p99First + 2)
  return { ...summary, verdict: stable ? 'stable' : 'check' }
}

/** Starts one autocannon run; `finished` resolves when it ends (duration over or stopped), rejects on a set-up error. */
function fire (options: autocannon.Options): { instance: autocannon.Instance, finished: Promise<void> } {
  let instance!: autocannon.Instance
  const finished = new Promise<void>((resolve, reject) => {
    instance = autocannon(options, err => { if (err !== null && err !== undefined) reject(err); else resolve() })
  })
  return { instance, finished }
}

/** Runs the issuance and JWKS load; calls onSample every sampleS seconds; resolves when the duration is over or stop() was called. */
function runLoad (baseUrl: string, apiKey: string, jwksPath: string, options: SoakOptions, onSample: (sample: Omit<Sample, 'rssMb' | 'heapUsedMb'>) => void) {
  const durationS = Math.max(1, Math.round(options.minutes * 60))
  let latencies: number[] = []
  let non2xx = 0
  let errors = 0
  let jwks = 0
  const totals = { requests: 0, non2xx: 0, errors: 0, jwks: 0 }
  const started = Date.now()
  let windowStart = started

  const issuance = fire({
    url: `${baseUrl}/v1/tenants/soak-hs/tokens`,
    connections: options.connections,
    duration: durationS,
    method: 'POST',
    headers: issueHeaders(apiKey),
    body: ISSUE_BODY,
    timeout: 10
  })
  const jwksLoad = fire({ url: `${baseUrl}${jwksPath}`, connections: 1, overallRate: options.jwksRate, duration: durationS, method: 'GET', timeout: 10 })
  issuance.instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime)
    if (statusCode < 200 || statusCode >= 300) non2xx++
  })
  jwksLoad.instance.on('response', (_client, statusCode) => {
    jwks++
    if (statusCode !== 200 && statusCode !== 304) non2xx++
  })
  issuance.instance.on('reqError', () => { errors++ })
  jwksLoad.instance.on('reqError', () => { errors++ })

  // Set by stop(): the window in progress is dropped (after Ctrl-C the children may be going down too).
  let stopped = false
  const flush = (): void => {
    if (stopped) return
    const now = Date.now()
    const sorted = latencies.sort((a, b) => a - b)
    const seconds = Math.max((now - windowStart) / 1000, 0.001)
    onSample({
      t: round((now - started) / 1000, 1),
      reqPerSec: Math.round(sorted.length / seconds),
      p50Ms: round(quantile(sorted, 0.5), 2),
      p99Ms: round(quantile(sorted, 0.99), 2),
      maxMs: round(sorted.length === 0 ? 0 : sorted[sorted.length - 1], 2),
      non2xx,
      errors,
      jwks
    })
    totals.requests += sorted.length
    totals.non2xx += non2xx
    totals.errors += errors
    totals.jwks += jwks
    latencies = []
    non2xx = 0
    errors = 0
    jwks = 0
    windowStart = now
  }
  const timer = setInterval(flush, options.sampleS * 1000)
  const done = Promise.all([issuance.finished, jwksLoad.finished]).then(() => {
    clearInterval(timer)
    // The last partial window, unless it is too short to say anything.
    if (Date.now() - windowStart >= 1000) flush()
    return { durationS: (Date.now() - started) / 1000, totals }
  })
  return {
    done,
    stop: () => {
      stopped = true
      issuance.instance.stop()
      jwksLoad.instance.stop()
    }
  }
}

async function main (): Promise<number> {
  let options: SoakOptions | 'help'
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  if (options === 'help') {
    log(USAGE)
    return 0
  }

  let stopLoad: (() => void) | undefined
  let interrupted = false
  let firstSignalAt = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      // A second Ctrl-C quits at once; the copy npm or tsx relays within the same second is ignored.
      if (Date.now() - firstSignalAt < 1000) return
      killAllSync()
      process.exit(130)
    }
    interrupted = true
    firstSignalAt = Date.now()
    log(`\n${signal}: stopping the load, then reporting (again to quit at once)`)
    stopLoad?.()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('exit', killAllSync)

  try {
    if (options.build) {
      log('building (npm run build)...')
      await buildTokenmint()
    }
    if (interrupted) return 130
    const redis = await startRedis()
    const settings = newSettings(redis.url)
    const server = await startTokenmint(settings)
    log(`redis-server on ${redis.port}, tokenmint pid ${server.child.pid} on ${server.baseUrl}`)
    const hs = await createTenant(server.baseUrl, server.adminToken, 'soak-hs', 'HS256')
    const es = await createTenant(server.baseUrl, server.adminToken, 'soak-es', 'ES256')
    for (const tenant of [hs, es]) {
      const problem = await sanityCheck(server.baseUrl, tenant)
      if (problem !== undefined) throw new Error(`sanity check: ${problem}`)
    }
    if (interrupted) return 130

    log(`soak: ${options.minutes} min, HS256 issuance at -c ${options.connections}, ${options.jwksRate} JWKS GET/s, a sample every ${options.sampleS} s`)
    log('     t(s)  rss(MB)  heap(MB)   req/s   p50(ms)  p99(ms)  max(ms)  non2xx  errors  cpu(%)  other(%)')
    const samples: Sample[] = []
    const pending: Array<Promise<void>> = []
    const readCpu = () => ({ server: readCpuSeconds(server.child.pid), redis: readCpuSeconds(redis.child.pid) ?? 0, client: process.cpuUsage(), machine: readMachineCpu(), at: Date.now() })
    let cpuBefore = readCpu()
    const load = runLoad(server.baseUrl, hs.apiKey, `/t/${es.id}/.well-known/jwks.json`, options, window => {
      const rss = readMemory(server.child.pid)
      const cpu = readCpu()
      const wall = Math.max((cpu.at - cpuBefore.at) / 1000, 0.001)
      const serverS = cpu.server !== undefined && cpuBefore.server !== undefined ? cpu.server - cpuBefore.server : undefined
      // The load generator (this process) and redis-server are part of the set-up, not noise.
      const clientS = (cpu.client.user + cpu.client.system - cpuBefore.client.user - cpuBefore.client.system) / 1e6 + cpu.redis - cpuBefore.redis
      const machineS = cpu.machine !== undefined && cpuBefore.machine !== undefined ? cpu.machine.busy - cpuBefore.machine.busy : undefined
      cpuBefore = cpu
      pending.push(heapUsedMb(server.baseUrl, server.adminToken).then(heap => {
        const sample: Sample = { ...window, rssMb: round((rss?.rssBytes ?? 0) / MB) }
        if (heap !== undefined) sample.heapUsedMb = heap
        if (serverS !== undefined) sample.serverCpu = Math.round((serverS / wall) * 100)
        if (serverS !== undefined && machineS !== undefined) sample.otherCpu = Math.max(0, Math.round(((machineS - serverS - clientS) / wall) * 100))
        samples.push(sample)
        log(`${String(sample.t).padStart(9)}${String(sample.rssMb).padStart(9)}${String(sample.heapUsedMb ?? '-').padStart(10)}` +
          `${String(sample.reqPerSec).padStart(8)}${String(sample.p50Ms).padStart(10)}${String(sample.p99Ms).padStart(9)}` +
          `${String(sample.maxMs).padStart(9)}${String(sample.non2xx).padStart(8)}${String(sample.errors).padStart(8)}` +
          `${String(sample.serverCpu ?? '-').padStart(8)}${String(sample.otherCpu ?? '-').padStart(8)}`)
      }))
    })
    stopLoad = load.stop
    // The server going away ends the soak at once: the rest would only count refused connections.
    let loadOver = false
    server.child.exited.then(() => { if (!loadOver) load.stop() }, () => {})
    const { durationS, totals } = await load.done
    loadOver = true
    await Promise.all(pending)
    samples.sort((a, b) => a.t - b.t)
    // Ctrl-C in a terminal reaches the whole process group: the children stop by themselves then.
    if (!server.child.isRunning() && !interrupted) {
      const { exitCode, signalCode } = server.child.process
      throw new Error(`tokenmint died during the soak (exit code ${String(exitCode)}, signal ${String(signalCode)}) after ${samples.length} samples:\n${server.child.tail()}`)
    }
    if (samples.length === 0) throw new Error('stopped before the first sample')

    const summary = summarize(samples, durationS, options.sampleS, totals)
    await server.child.stop(10_000)
    const exitCode = await server.child.exited

    log('')
    log(`issued ${summary.issued.toLocaleString('en-US')} tokens in ${summary.durationS} s (${summary.meanReqPerSec} req/s), ${summary.jwksGets} JWKS GETs`)
    log(`RSS: first ${summary.span} median ${summary.rss.firstMb} MB, last ${summary.span} median ${summary.rss.lastMb} MB ` +
      `(${summary.rss.growthMb >= 0 ? '+' : ''}${summary.rss.growthMb} MB, ${summary.rss.growthPercent}%), max ${summary.rss.maxMb} MB, trend ${summary.rssSlopeMbPerMinute} MB/min`)
    log(`heap used: first ${summary.heapUsed.firstMb} MB, last ${summary.heapUsed.lastMb} MB (${summary.heapUsed.growthMb >= 0 ? '+' : ''}${summary.heapUsed.growthMb} MB)`)
    log(`p99: first ${summary.span} median ${summary.p99.firstMs} ms, last ${summary.p99.lastMs} ms, trend ${summary.p99.slopeMsPerMinute} ms/min, worst window ${summary.p99.worstMs} ms`)
    log(`machine: other processes used a median ${summary.otherCpuMedian}% of one core beside tokenmint, redis-server and the load generator`)
    log(`errors: ${summary.non2xx} non-2xx, ${summary.errors} socket errors/timeouts; tokenmint exited ${String(exitCode)}${interrupted ? '' : ' on SIGTERM'}`)
    log(`verdict: ${summary.verdict}${interrupted ? ' (interrupted early)' : ''}`)

    const file = resolve(ROOT, 'bench/results/soak-latest.json')
    mkdirSync(resolve(ROOT, 'bench/results'), { recursive: true })
    writeFileSync(file, `${JSON.stringify({
      at: new Date().toISOString(),
      options,
      interrupted,
      node: process.version,
      summary: { ...summary, serverExitCode: exitCode },
      samples
    }, null, 2)}\n`)
    log(`results: ${file}`)
    return 0
  } catch (err) {
    process.stderr.write(`soak failed: ${(err as Error).message}\n`)
    return 1
  } finally {
    stopLoad?.()
    await stopAll()
  }
}

process.exitCode = await main()
