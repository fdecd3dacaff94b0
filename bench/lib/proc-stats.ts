// Memory and CPU of a process read from /proc: periodic sampler giving peak RSS, VmHWM and CPU share over a window.
import { readFileSync } from 'node:fs'

const CLOCK_TICKS_PER_SECOND = 100
const KB = 1024

export interface ProcMemory { rssBytes: number, hwmBytes: number }

export function readMemory (pid: number): ProcMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string): number => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
      return match === null ? 0 : Number(match[1]) * KB
    }
    return { rssBytes: field('VmRSS'), hwmBytes: field('VmHWM') }
  } catch {
    return undefined
  }
}

/** utime + stime of the process, in seconds. */
export function readCpuSeconds (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces) start at field 3.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

export interface ProcWindow {
  /** Highest VmRSS seen while sampling, bytes. */
  peakRssBytes: number
  /** VmHWM at the end of the window (peak since the process started), bytes. */
  hwmBytes: number
  /** CPU time of the process over the window divided by wall time, percent of one core. */
  cpuPercent: number
}

export interface ProcSampler { stop: () => ProcWindow }

export function sampleProcess (pid: number, intervalMs = 100): ProcSampler {
  const startedAt = process.hrtime.bigint()
  const cpuStart = readCpuSeconds(pid) ?? 0
  let peakRssBytes = readMemory(pid)?.rssBytes ?? 0
  const timer = setInterval(() => {
    const memory = readMemory(pid)
    if (memory !== undefined && memory.rssBytes > peakRssBytes) peakRssBytes = memory.rssBytes
  }, intervalMs)
  return {
    stop: () => {
      clearInterval(timer)
      const memory = readMemory(pid)
      if (memory !== undefined && memory.rssBytes > peakRssBytes) peakRssBytes = memory.rssBytes
      const wallSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9
      const cpuSeconds = (readCpuSeconds(pid) ?? cpuStart) - cpuStart
      return {
        peakRssBytes,
        hwmBytes: memory?.hwmBytes ?? 0,
        cpuPercent: wallSeconds > 0 ? (cpuSeconds / wallSeconds) * 100 : 0
      }
    }
  }
}
