// Bench runner: tokenmint (own redis-server, production build) against its baselines with autocannon; medians, targets, JSON report.
import { cpus, totalmem } from 'node:os'
import { startBaseline, type RunningServer } from './lib/baselines.js'
import { CASES, KEYGEN_PARALLEL, KEYGEN_TENANT, runOrder, STARTUP_CASE, TARGETS, type BaselineId, type ServerId, type TargetContext } from './lib/cases.js'
import { measure, stopCurrentLoad, type LoadRequest } from './lib/load.js'
import { parseOptions, USAGE, type BenchOptions } from './lib/options.js'
import { killAllSync, stopAll } from './lib/processes.js'
import { readMemory } from './lib/proc-stats.js'
import { commandsProcessed, startRedis } from './lib/redis-server.js'
import { checksTable, evaluateChecks, infoRatios, startupSummary, targetsTable, writeResults, type StartupResult } from './lib/report.js'
import { summarize, type TargetRecord } from './lib/stats.js'
import {
  buildTokenmint, call, createTenant, createTenants, keepGenerating, measureStartup, newSettings, sanityCheck, startTokenmint, type BenchAlg
} from './lib/tokenmint.js'

/** Seconds added per measurement for connection set-up and bookkeeping, in the plan. */
const MEASUREMENT_OVERHEAD_S = 0.2
/** Runs after the first reuse warm servers: no separate warm-up. */
const LATER_WARMUP_S = 0
/** Above this much CPU (percent of one core) used by unrelated processes, a measurement is flagged as noisy. */
const NOISY_OTHER_CPU_PERCENT = 25

interface SetupInfo {
  buildMs?: number
  redisPort?: number
  startup?: StartupResult
  tenants?: { requested: number, created: number, failures: number, ms: number, perSec: number, concurrency: number, firstError?: string, stoppedEarly: boolean }
  tokenmintHwmMb?: number
  notes: string[]
}

const log = (line: string): void => { process.stdout.write(`${line}\n`) }
const seconds = (ms: number): string => {
  const s = Math.round(ms / 1000)
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

function wantedTargets (options: BenchOptions): string[] {
  const ids: string[] = []
  for (const c of CASES) {
    if (!options.cases.includes(c.id)) continue
    for (const t of c.targets) {
      if (options.baselinesOnly && TARGETS[t].server === 'tokenmint') continue
      if (!ids.includes(t)) ids.push(t)
    }
  }
  return ids
}

function plan (options: BenchOptions, targets: string[]): { estimateMs: number, lines: string[] } {
  const tokenmint = !options.baselinesOnly && (targets.some(t => TARGETS[t].server === 'tokenmint') || options.cases.includes(STARTUP_CASE))
  const many = targets.includes('tm-many')
  const perMeasurement = options.durationS + MEASUREMENT_OVERHEAD_S
  const loadS = options.runs * targets.length * perMeasurement + targets.length * options.warmupS +
    (options.runs - 1) * targets.length * Math.min(LATER_WARMUP_S, options.warmupS)
  const setupS = (tokenmint && options.build ? 20 : 0) +
    (options.cases.includes(STARTUP_CASE) && !options.baselinesOnly ? options.startupSamples * 1.5 : 0) +
    (tokenmint ? 3 : 0) + (many ? options.tenants / 450 : 0) + 3
  const lines = [
    `plan: cases ${options.cases.join(', ')}${options.baselinesOnly ? ' (baselines only)' : ''}`,
    `      ${targets.length} measurements per run x ${options.runs} run(s), ${options.durationS} s each at -c ${options.connections}` +
      ` (+${options.warmupS} s warm-up in run 1${options.runs > 1 ? (LATER_WARMUP_S > 0 ? `, ${LATER_WARMUP_S} s after` : ', none after') : ''})`,
    `      order of run 1: ${runOrder(options.cases, t => targets.includes(t), 0).join(' > ') || '(nothing)'}`
  ]
  if (tokenmint) {
    lines.push(`      tokenmint: ${options.build ? 'npm run build, ' : ''}own redis-server` +
      `${options.cases.includes(STARTUP_CASE) ? `, start-up timed ${options.startupSamples}x` : ''}${many ? `, ${options.tenants.toLocaleString('en-US')} tenants created (concurrency ${options.setupConcurrency})` : ''}`)
  }
  const estimateMs = (loadS + setupS) * 1000
  lines.push(`      estimate: ~${seconds(setupS * 1000)} set-up + ~${seconds(loadS * 1000)} load = ~${seconds(estimateMs)} (budget ${seconds(options.budgetS * 1000)})`)
  if (estimateMs > options.budgetS * 1000) {
    lines.push('      warning: the plan exceeds the budget; measurements that no longer fit are skipped (see --duration, --runs, --cases, --budget)')
  }
  return { estimateMs, lines }
}

async function main (): Promise<number> {
  let parsed: BenchOptions | 'help'
  try {
    parsed = parseOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`)
    return 64
  }
  if (parsed === 'help') {
    log(USAGE)
    return 0
  }
  const options = parsed
  const startedAt = new Date()
  const deadline = startedAt.getTime() + options.budgetS * 1000
  const targets = wantedTargets(options)
  const thePlan = plan(options, targets)
  for (const line of thePlan.lines) log(line)

  const records = new Map<string, TargetRecord>(targets.map(id => [id, { id, label: TARGETS[id].label, server: TARGETS[id].server, runs: [] }]))
  const setup: SetupInfo = { notes: [] }
  const servers = new Map<ServerId, RunningServer>()
  let abortReason: string | undefined
  let fatal: Error | undefined
  let finalized = false

  const finalize = (): number => {
    if (finalized) return 0
    finalized = true
    const tokenmintServer = servers.get('tokenmint')
    if (tokenmintServer !== undefined) {
      const memory = readMemory(tokenmintServer.pid)
      if (memory !== undefined) setup.tokenmintHwmMb = Math.round(memory.hwmBytes / 1024 / 1024 * 10) / 10
    }
    const checks = evaluateChecks(records, setup.startup)
    const info = infoRatios(records)
    const summaries = [...records.values()].map(summarize)
    const anyMeasured = [...records.values()].some(r => r.runs.length > 0) || setup.startup !== undefined
    if (anyMeasured) {
      log('')
      log(targetsTable(summaries))
      log('')
      log(checksTable(checks))
      log('')
    }
    for (const r of info) log(`info: ${r.label}: ${r.value === undefined ? '-' : `${r.value.toFixed(2)}x`}`)
    if (setup.startup !== undefined) log(`start-up to ready: ${setup.startup.samplesMs.join(', ')} ms (median ${setup.startup.medianMs ?? '-'} ms)`)
    if (setup.tenants !== undefined) {
      const t = setup.tenants
      log(`tenant set-up: ${t.created.toLocaleString('en-US')}/${t.requested.toLocaleString('en-US')} tenants + API keys in ${(t.ms / 1000).toFixed(1)} s` +
        ` (${t.perSec.toFixed(0)} tenants/s, concurrency ${t.concurrency})${t.failures > 0 ? `, ${t.failures} failures: ${t.firstError ?? ''}` : ''}`)
    }
    if (setup.tokenmintHwmMb !== undefined) log(`tokenmint VmHWM at the end: ${setup.tokenmintHwmMb} MB`)
    const all = [...records.values()].flatMap(r => r.runs)
    const noisy = all.filter(m => m.otherCpuPercent > NOISY_OTHER_CPU_PERCENT).length
    if (noisy > 0) {
      setup.notes.push(`${noisy} of ${all.length} measurements ran while other processes used more than ${NOISY_OTHER_CPU_PERCENT}% of a core (other CPU%): treat their numbers as noisy, or rerun on a quiet machine`)
    }
    for (const note of setup.notes) log(`note: ${note}`)
    log('CPU columns are percent of one core: srv = server process, cli = load generator (this process), other = everything else on the machine (noise)')
    log('ratios are medians of per-run ratios (targets interleaved within each run); req/s, p50, p99 are medians; peak RSS is the max over runs')
    if (abortReason !== undefined) log(`stopped early: ${abortReason}`)
    if (fatal !== undefined) log(`error: ${fatal.message}`)

    const finishedAt = new Date()
    const report = {
      tool: 'tokenmint bench',
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      elapsedMs: finishedAt.getTime() - startedAt.getTime(),
      completed: abortReason === undefined && fatal === undefined,
      abortReason,
      error: fatal?.message,
      options,
      plan: { lines: thePlan.lines, estimateMs: Math.round(thePlan.estimateMs) },
      environment: {
        node: process.version,
        platform: process.platform,
        arch: process.arch,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        totalMemMb: Math.round(totalmem() / 1024 / 1024)
      },
      setup,
      targets: Object.fromEntries([...records.values()].map(r => [r.id, { label: r.label, server: r.server, summary: summarize(r), runs: r.runs, error: r.error }])),
      checks,
      info
    }
    if (anyMeasured) log(`results: ${writeResults(report, startedAt)} (and bench/results/latest.json)`)
    else log('nothing was measured; no results written')
    if (fatal !== undefined) return 1
    if (abortReason === 'SIGINT' || abortReason === 'SIGTERM') return 130
    if (options.failOnTarget && checks.some(c => c.verdict === 'FAIL')) return 3
    return 0
  }

  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      killAllSync()
      process.exit(130)
    }
    abortReason = signal
    log(`\n${signal}: stopping, reporting what was measured...`)
    stopCurrentLoad()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // If a step hangs past the budget, stop the load, report, and let cleanup run.
  const watchdog = setTimeout(() => {
    abortReason = 'budget exceeded (watchdog)'
    stopCurrentLoad()
  }, options.budgetS * 1000 + 30_000)
  watchdog.unref()
  const stopping = (): boolean => abortReason !== undefined

  const ctx: TargetContext = { single: {}, many: [] }
  /** Where the background admin work goes (the keygen case). */
  let adminOf: { baseUrl: string, adminToken: string } | undefined
  const requests = new Map<string, LoadRequest>()
  const fail = (ids: string[], message: string): void => {
    for (const id of ids) {
      const record = records.get(id)
      if (record !== undefined && record.error === undefined) record.error = message
    }
  }

  try {
    const tokenmintTargets = targets.filter(t => TARGETS[t].server === 'tokenmint')
    const timeStartup = !options.baselinesOnly && options.cases.includes(STARTUP_CASE)
    if (tokenmintTargets.length > 0 || timeStartup) {
      if (options.build) {
        log('building tokenmint (npm run build)...')
        setup.buildMs = await buildTokenmint()
        log(`  built in ${(setup.buildMs / 1000).toFixed(1)} s`)
      }
      const redis = await startRedis()
      setup.redisPort = redis.port
      log(`redis-server on 127.0.0.1:${redis.port}`)
      const settings = newSettings(redis.url, options.env, [], options.entry)
      if (timeStartup && !stopping()) {
        const samples = await measureStartup(settings, options.startupSamples)
        setup.startup = startupSummary(samples)
        log(`start-up to ready: ${samples.join(', ')} ms`)
      }
      if (tokenmintTargets.length > 0 && !stopping()) {
        const tokenmint = await startTokenmint(settings)
        servers.set('tokenmint', { port: tokenmint.port, pid: tokenmint.child.pid, child: tokenmint.child })
        log(`tokenmint on 127.0.0.1:${tokenmint.port} (pid ${tokenmint.child.pid})`)
        const algs = [...new Set(tokenmintTargets.flatMap(t => TARGETS[t].needs))] as BenchAlg[]
        for (const alg of algs) {
          const users = tokenmintTargets.filter(t => TARGETS[t].needs.includes(alg))
          try {
            const tenant = await createTenant(tokenmint.baseUrl, tokenmint.adminToken, `bench-${alg.toLowerCase()}`, alg)
            const problem = await sanityCheck(tokenmint.baseUrl, tenant)
            if (problem !== undefined) fail(users, problem)
            else ctx.single[alg] = tenant
          } catch (err) {
            fail(users, (err as Error).message)
          }
        }
        if (tokenmintTargets.includes('tm-many') && !stopping()) {
          // Keep at least one run of every measurement inside the budget.
          const oneRunMs = targets.length * (options.durationS + options.warmupS + MEASUREMENT_OVERHEAD_S) * 1000
          log(`creating ${options.tenants.toLocaleString('en-US')} tenants + API keys (concurrency ${options.setupConcurrency})...`)
          const bulk = await createTenants(tokenmint.baseUrl, tokenmint.adminToken, 'bench-m-', options.tenants, options.setupConcurrency,
            () => stopping() || Date.now() + oneRunMs > deadline)
          setup.tenants = {
            requested: options.tenants,
            created: bulk.tenants.length,
            failures: bulk.failures,
            ms: bulk.ms,
            perSec: bulk.tenants.length / (bulk.ms / 1000),
            concurrency: options.setupConcurrency,
            firstError: bulk.firstError,
            stoppedEarly: bulk.stoppedEarly
          }
          log(`  ${bulk.tenants.length.toLocaleString('en-US')} tenants in ${(bulk.ms / 1000).toFixed(1)} s${bulk.failures > 0 ? ` (${bulk.failures} failures: ${bulk.firstError ?? ''})` : ''}`)
          if (bulk.stoppedEarly) setup.notes.push(`tenant set-up stopped early: ${bulk.tenants.length} of ${options.tenants} created`)
          ctx.many = bulk.tenants
          const probes = bulk.tenants.length === 0 ? [] : [0, Math.floor(bulk.tenants.length / 2), bulk.tenants.length - 1].map(i => bulk.tenants[i])
          for (const tenant of probes) {
            const problem = await sanityCheck(tokenmint.baseUrl, tenant)
            if (problem !== undefined) { fail(['tm-many'], problem); break }
          }
          if (bulk.tenants.length === 0) fail(['tm-many'], `no tenants created: ${bulk.firstError ?? 'stopped'}`)
        }
        if (tokenmintTargets.some(t => TARGETS[t].background === 'keygen')) {
          const users = tokenmintTargets.filter(t => TARGETS[t].background === 'keygen')
          try {
            await createTenant(tokenmint.baseUrl, tokenmint.adminToken, KEYGEN_TENANT, 'RS256')
            adminOf = { baseUrl: tokenmint.baseUrl, adminToken: tokenmint.adminToken }
          } catch (err) {
            fail(users, (err as Error).message)
          }
        }
        const adminTargets = tokenmintTargets.filter(t => t.startsWith('tm-admin-'))
        if (adminTargets.length > 0 && ctx.single.HS256 !== undefined) {
          const scoped = await call(tokenmint.baseUrl, 'POST', '/v1/admin/credentials', { token: tokenmint.adminToken, body: { name: 'bench operator', role: 'operator' } })
          const scopedToken = (scoped.body as { token?: unknown } | undefined)?.token
          if (scoped.status !== 201 || typeof scopedToken !== 'string') fail(adminTargets, `POST /v1/admin/credentials → ${scoped.status} ${scoped.text.slice(0, 200)}`)
          else ctx.admin = { rootToken: tokenmint.adminToken, scopedToken }
        }
        if (tokenmintTargets.includes('tm-jwks') && ctx.single.RS256 !== undefined) {
          const jwks = await call(tokenmint.baseUrl, 'GET', `/v1/tenants/${ctx.single.RS256.id}/jwks.json`)
          const keys = (jwks.body as { keys?: unknown[] } | undefined)?.keys
          if (jwks.status !== 200 || !Array.isArray(keys) || keys.length === 0) fail(['tm-jwks'], `jwks → ${jwks.status} ${jwks.text.slice(0, 200)}`)
        }
      }
    }

    const baselineIds = [...new Set(targets.map(t => TARGETS[t].server).filter((s): s is BaselineId => s !== 'tokenmint'))]
    if (baselineIds.length > 0 && !stopping()) {
      log(`starting baselines: ${baselineIds.join(', ')}`)
      await Promise.all(baselineIds.map(async id => {
        const users = targets.filter(t => TARGETS[t].server === id)
        try {
          const server = await startBaseline(id)
          const probe = TARGETS[users[0]].request(ctx)
          const response = await fetch(`http://127.0.0.1:${server.port}${probe.path}`, { method: probe.method, headers: probe.headers, body: probe.body })
          await response.arrayBuffer()
          if (response.status >= 300) fail(users, `${id} answered ${response.status} to its probe`)
          servers.set(id, server)
        } catch (err) {
          fail(users, (err as Error).message)
        }
      }))
    }

    for (const id of targets) {
      const record = records.get(id)
      if (record === undefined || record.error !== undefined) continue
      try {
        requests.set(id, TARGETS[id].request(ctx))
      } catch (err) {
        record.error = (err as Error).message
      }
    }

    const measurable = (id: string): boolean => requests.has(id) && servers.has(TARGETS[id].server) && records.get(id)?.error === undefined
    /** One measurement; false when the run must stop (signal or budget). */
    const measureOne = async (id: string, run: number, warmupS: number): Promise<boolean> => {
      if (stopping()) return false
      if (Date.now() + (warmupS + options.durationS + 2) * 1000 > deadline) {
        abortReason = `budget of ${options.budgetS} s reached before run ${run + 1}, ${id}`
        return false
      }
      const server = servers.get(TARGETS[id].server)
      const request = requests.get(id)
      if (server === undefined || request === undefined) return true
      const background = TARGETS[id].background === 'keygen' && adminOf !== undefined
        ? keepGenerating(adminOf.baseUrl, adminOf.adminToken, KEYGEN_TENANT, KEYGEN_PARALLEL)
        : undefined
      const countsCommands = id === 'tm-jwks' && setup.redisPort !== undefined
      const commandsBefore = countsCommands ? await commandsProcessed(setup.redisPort as number).catch(() => undefined) : undefined
      const measuredFrom = Date.now()
      const m = await measure(server.port, server.pid, request, { connections: options.connections, durationS: options.durationS, warmupS, shouldStop: stopping })
      const commandsAfter = commandsBefore === undefined ? undefined : await commandsProcessed(setup.redisPort as number).catch(() => undefined)
      // Minus the two INFO commands themselves.
      const redisCommandsPerSec = commandsBefore === undefined || commandsAfter === undefined
        ? undefined
        : Number(((commandsAfter - commandsBefore - 1) / ((Date.now() - measuredFrom) / 1000)).toFixed(1))
      if (background !== undefined) {
        const keygen = await background.stop()
        log(`[run ${run + 1}/${options.runs}] ${id.padEnd(14)} background: ${keygen.generated} RSA-4096 keys generated, ${keygen.failed} failed${keygen.firstError !== undefined ? ` (${keygen.firstError})` : ''}`)
        const record = records.get(id)
        if (keygen.generated === 0 && record !== undefined) record.error ??= `no RSA-4096 key was generated during the measurement: ${keygen.firstError ?? 'none finished'}`
      }
      // A measurement cut short by a signal or the watchdog is not kept.
      if (m === undefined || (stopping() && m.durationS < options.durationS * 0.9)) return false
      records.get(id)?.runs.push({ run: run + 1, ...m, ...(redisCommandsPerSec === undefined ? {} : { redisCommandsPerSec }) })
      log(`[run ${run + 1}/${options.runs}] ${id.padEnd(14)} ${m.reqPerSec.toLocaleString('en-US').padStart(8)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms` +
        `  RSS ${m.peakRssMb} MB  CPU srv ${m.cpuPercent}% cli ${m.clientCpuPercent}% other ${m.otherCpuPercent}%  non-2xx ${m.non2xx + m.errors + m.timeouts}` +
        `${redisCommandsPerSec === undefined ? '' : `  redis ${redisCommandsPerSec} cmd/s`}  (${seconds(Date.now() - startedAt.getTime())})`)
      return true
    }
    let going = true
    for (let run = 0; run < options.runs && going; run++) {
      const warmupS = run === 0 ? options.warmupS : Math.min(LATER_WARMUP_S, options.warmupS)
      for (const id of runOrder(options.cases, t => targets.includes(t) && measurable(t), run)) {
        going = await measureOne(id, run, warmupS)
        if (!going) break
      }
    }
  } catch (err) {
    fatal = err as Error
  } finally {
    clearTimeout(watchdog)
  }
  const code = finalize()
  await stopAll()
  return code
}

process.on('exit', killAllSync)
main().then(code => {
  process.exitCode = code
}, err => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
  killAllSync()
  process.exitCode = 1
})
