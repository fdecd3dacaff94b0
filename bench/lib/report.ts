// Bench results: target checks with pass/fail, plain-text tables, and JSON files under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CHECKS, INFO_RATIOS, STARTUP_MAX_MS, type Check } from './cases.js'
import { median, pairedRatio, summarize, type TargetRecord, type TargetSummary } from './stats.js'

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))

export type Verdict = 'PASS' | 'FAIL' | 'n/a'

export interface CheckResult {
  id: string
  label: string
  target: string
  value?: number
  display: string
  verdict: Verdict
  perRun?: number[]
}

function fmt (n: number | undefined, digits = 0): string {
  return n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

function verdict (ok: boolean | undefined): Verdict {
  return ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL'
}

function evaluate (check: Check, records: Map<string, TargetRecord>, summaries: Map<string, TargetSummary>): CheckResult {
  if (check.kind === 'ratio') {
    const ratio = pairedRatio(records.get(check.numerator), records.get(check.denominator))
    return {
      id: check.id,
      label: check.label,
      target: `>= ${check.min}`,
      value: ratio.median,
      display: ratio.median === undefined ? '-' : `${ratio.median.toFixed(2)}x`,
      verdict: verdict(ratio.median === undefined ? undefined : ratio.median >= check.min),
      perRun: ratio.perRun
    }
  }
  if (check.kind === 'p99-ratio') {
    const ratio = pairedRatio(records.get(check.numerator), records.get(check.denominator), 'p99Ms')
    return {
      id: check.id,
      label: check.label,
      target: `<= ${check.max}`,
      value: ratio.median,
      display: ratio.median === undefined ? '-' : `${ratio.median.toFixed(2)}x`,
      verdict: verdict(ratio.median === undefined ? undefined : ratio.median <= check.max),
      perRun: ratio.perRun
    }
  }
  const summary = summaries.get(check.target)
  const value = summary?.[check.metric]
  return {
    id: check.id,
    label: check.label,
    target: `<= ${check.max} ${check.unit}`,
    value,
    display: value === undefined ? '-' : `${fmt(value, check.metric === 'p99Ms' ? 0 : 1)} ${check.unit}`,
    verdict: verdict(value === undefined ? undefined : value <= check.max)
  }
}

export interface StartupResult { samplesMs: number[], medianMs?: number }

export function evaluateChecks (records: Map<string, TargetRecord>, startup: StartupResult | undefined): CheckResult[] {
  const summaries = new Map([...records.values()].map(r => [r.id, summarize(r)]))
  const results = CHECKS.map(c => evaluate(c, records, summaries))
  const startupMs = startup?.medianMs
  results.push({
    id: 'startup',
    label: 'start-up to ready (median)',
    target: `<= ${STARTUP_MAX_MS} ms`,
    value: startupMs,
    display: startupMs === undefined ? '-' : `${fmt(startupMs)} ms`,
    verdict: verdict(startupMs === undefined ? undefined : startupMs <= STARTUP_MAX_MS)
  })
  const tokenmint = [...records.values()].filter(r => r.server === 'tokenmint' && r.runs.length > 0)
  const bad = tokenmint.reduce((n, r) => n + r.runs.reduce((m, x) => m + x.non2xx + x.errors + x.timeouts, 0), 0)
  results.push({
    id: 'tokenmint-non2xx',
    label: 'tokenmint non-2xx + errors + timeouts',
    target: '= 0',
    value: tokenmint.length > 0 ? bad : undefined,
    display: tokenmint.length > 0 ? fmt(bad) : '-',
    verdict: verdict(tokenmint.length > 0 ? bad === 0 : undefined)
  })
  return results
}

export function infoRatios (records: Map<string, TargetRecord>): Array<{ id: string, label: string, value?: number }> {
  return INFO_RATIOS.map(r => ({ id: r.id, label: r.label, value: pairedRatio(records.get(r.numerator), records.get(r.denominator)).median }))
}

function table (header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])).join('  ').trimEnd()
  return [line(header), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function targetsTable (summaries: TargetSummary[]): string {
  const rows = summaries.map(s => [
    s.id, s.label, fmt(s.reqPerSec), fmt(s.p50Ms, 1), fmt(s.p99Ms, 1), fmt(s.peakRssMb, 1), fmt(s.cpuPercent), fmt(s.clientCpuPercent), fmt(s.otherCpuPercent),
    fmt(s.non2xx + s.errors + s.timeouts), String(s.runs) + (s.error !== undefined ? '  ERROR: ' + s.error.split('\n')[0].slice(0, 120) : '')
  ])
  return table(['target', 'what', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS MB', 'srv CPU%', 'cli CPU%', 'other CPU%', 'non-2xx', 'runs'], rows, new Set([2, 3, 4, 5, 6, 7, 8, 9]))
}

export function checksTable (checks: CheckResult[]): string {
  const rows = checks.map(c => [c.label, c.display, c.target, c.verdict, c.perRun !== undefined && c.perRun.length > 1 ? c.perRun.map(v => v.toFixed(2)).join(' / ') : ''])
  return table(['check', 'measured', 'target', 'result', 'per run'], rows, new Set([1]))
}

export function startupSummary (samplesMs: number[]): StartupResult {
  return { samplesMs, medianMs: median(samplesMs) }
}

/** Writes the report to bench/results/<timestamp>.json and bench/results/latest.json; returns the first path. */
export function writeResults (report: object, startedAt: Date): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const stamp = startedAt.toISOString().replace(/:/g, '-')
  const path = `${RESULTS_DIR}${stamp}.json`
  const text = JSON.stringify(report, null, 2) + '\n'
  writeFileSync(path, text)
  writeFileSync(`${RESULTS_DIR}latest.json`, text)
  return path
}
