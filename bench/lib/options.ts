// Command-line options of the bench runner (`npm run bench -- --help`).
import { parseArgs } from 'node:util'
import { CASE_ALIASES, CASES, STARTUP_CASE } from './cases.js'
import { SERVER_ENTRY } from './tokenmint.js'

export interface BenchOptions {
  durationS: number
  runs: number
  /** Case ids to run (startup included when selected). */
  cases: string[]
  /** Only baseline servers: no Redis, no tokenmint (works before the service exists). */
  baselinesOnly: boolean
  connections: number
  /** Warm-up before each measurement in the first run (later runs reuse warm servers). */
  warmupS: number
  budgetS: number
  tenants: number
  setupConcurrency: number
  startupSamples: number
  build: boolean
  /** Server entry run with node (default: the file `npm start` runs). */
  entry: string
  env: Record<string, string>
  failOnTarget: boolean
}

export const ALL_CASES = [...CASES.map(c => c.id), STARTUP_CASE]

export const USAGE = `usage: npm run bench -- [options]

  --duration S          seconds per measurement (default 10)
  --runs N              repetitions of every case, medians reported (default 3)
  --cases LIST          comma-separated: ${ALL_CASES.join(',')}
                        or "all" (default), or "baselines" (baseline servers only, no tokenmint/Redis)
  --quick               --duration 3 --runs 1 (explicit --duration/--runs still win)
  --connections C       autocannon connections (default 50)
  --warmup S            warm-up before each measurement of run 1 (default 1; later runs none)
  --budget S            bound on the whole run in seconds (default 600); stops cleanly with what was measured
  --tenants N           tenants in the many-tenants case (default 10000)
  --setup-concurrency N concurrent admin requests while creating tenants (default 64)
  --startup-samples N   tokenmint starts timed for start-up-to-ready (default 3)
  --no-build            do not run \`npm run build\` first (dist/ must be current)
  --entry PATH          server entry to run with node (default: the file of npm start; implies --no-build)
  --env KEY=VALUE       extra environment for tokenmint (repeatable), e.g. --env CACHE_MAX_TENANTS=20000
  --fail-on-target      exit 3 when a target is missed
  -h, --help            this text`

function positiveNumber (name: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`)
  return value
}

export function parseOptions (argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      runs: { type: 'string' },
      cases: { type: 'string' },
      quick: { type: 'boolean', default: false },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      budget: { type: 'string' },
      tenants: { type: 'string' },
      'setup-concurrency': { type: 'string' },
      'startup-samples': { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      entry: { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
      'fail-on-target': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help === true) return 'help'

  const requested = (values.cases ?? 'all').split(',').map(s => s.trim().toLowerCase()).filter(Boolean)
  const baselinesOnly = requested.includes('baselines')
  let cases: string[]
  if (requested.includes('all') || baselinesOnly) {
    cases = baselinesOnly ? CASES.map(c => c.id) : [...ALL_CASES]
  } else {
    cases = requested.map(c => CASE_ALIASES[c] ?? c)
    const unknown = cases.filter(c => !ALL_CASES.includes(c))
    if (unknown.length > 0) throw new Error(`unknown case(s) ${unknown.join(', ')}; known: ${ALL_CASES.join(', ')}, all, baselines`)
  }

  const env: Record<string, string> = {}
  for (const pair of values.env ?? []) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair)
    if (match === null) throw new Error(`--env expects KEY=VALUE, got ${pair}`)
    env[match[1]] = match[2]
  }

  const quick = values.quick === true
  return {
    durationS: positiveNumber('duration', values.duration, quick ? 3 : 10, false),
    runs: positiveNumber('runs', values.runs, quick ? 1 : 3, true),
    cases: [...new Set(cases)],
    baselinesOnly,
    connections: positiveNumber('connections', values.connections, 50, true),
    warmupS: values.warmup === '0' ? 0 : positiveNumber('warmup', values.warmup, 1, false),
    budgetS: positiveNumber('budget', values.budget, 600, false),
    tenants: positiveNumber('tenants', values.tenants, 10_000, true),
    setupConcurrency: positiveNumber('setup-concurrency', values['setup-concurrency'], 64, true),
    startupSamples: positiveNumber('startup-samples', values['startup-samples'], 3, true),
    build: values['no-build'] !== true && values.entry === undefined,
    entry: values.entry ?? SERVER_ENTRY,
    env,
    failOnTarget: values['fail-on-target'] === true
  }
}
