// Medians, paired ratios and per-target summaries over the runs of a bench.
import type { Measurement } from './load.js'

export function median (values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export interface RunMeasurement extends Measurement {
  run: number
  /** Targets that read the store: commands the bench's redis-server processed per second while the target was measured (warm-up included). */
  redisCommandsPerSec?: number
}

export interface TargetRecord {
  id: string
  label: string
  server: string
  runs: RunMeasurement[]
  /** Set when the target could not be measured (server failed, sanity check failed). */
  error?: string
}

export interface TargetSummary {
  id: string
  label: string
  runs: number
  reqPerSec?: number
  p50Ms?: number
  p99Ms?: number
  /** Highest VmRSS of the server process over all runs of this target. */
  peakRssMb?: number
  cpuPercent?: number
  clientCpuPercent?: number
  otherCpuPercent?: number
  non2xx: number
  errors: number
  timeouts: number
  error?: string
}

export function summarize (record: TargetRecord): TargetSummary {
  const pick = (f: (m: RunMeasurement) => number): number[] => record.runs.map(f)
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
  return {
    id: record.id,
    label: record.label,
    runs: record.runs.length,
    reqPerSec: median(pick(m => m.reqPerSec)),
    p50Ms: median(pick(m => m.p50Ms)),
    p99Ms: median(pick(m => m.p99Ms)),
    peakRssMb: record.runs.length > 0 ? Math.max(...pick(m => m.peakRssMb)) : undefined,
    cpuPercent: median(pick(m => m.cpuPercent)),
    clientCpuPercent: median(pick(m => m.clientCpuPercent)),
    otherCpuPercent: median(pick(m => m.otherCpuPercent)),
    non2xx: sum(pick(m => m.non2xx)),
    errors: sum(pick(m => m.errors)),
    timeouts: sum(pick(m => m.timeouts)),
    error: record.error
  }
}

/** Ratio of req/s (or of p99) in each run where both targets were measured, and the median of those paired ratios. */
export function pairedRatio (numerator: TargetRecord | undefined, denominator: TargetRecord | undefined, metric: 'reqPerSec' | 'p99Ms' = 'reqPerSec'): { perRun: number[], median?: number } {
  if (numerator === undefined || denominator === undefined) return { perRun: [] }
  const perRun: number[] = []
  for (const n of numerator.runs) {
    const d = denominator.runs.find(m => m.run === n.run)
    if (d !== undefined && d[metric] > 0) perRun.push(Number((n[metric] / d[metric]).toFixed(3)))
  }
  const m = median(perRun)
  return { perRun, median: m === undefined ? undefined : Number(m.toFixed(3)) }
}
