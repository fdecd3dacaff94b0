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

/** Busy and total CPU time of the whole machine, seconds summed over all CPUs. */
export function readMachineCpu (): { busy: number, total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number)
    const total = ticks.reduce((a, b) => a + b, 0)
    const idle = ticks[3] + ticks[4]
    return { busy: (total - idle) / CLOCK_TICKS_PER_SECOND, total: total / CLOCK_TICKS_PER_SECOND }
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
  /** CPU of this process (the load generator), percent of one core. */
  clientCpuPercent: number
  /** CPU used on the machine by neither the server nor the load generator, percent of one core: noise. */
  otherCpuPercent: number
}

export interface ProcSampler { stop: () => ProcWindow }

export function sampleProcess (pid: number, intervalMs = 100): ProcSampler {
  const startedAt = process.hrtime.bigint()
  const cpuStart = readCpuSeconds(pid) ?? 0
  const clientStart = process.cpuUsage()
  const machineStart = readMachineCpu()
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
      const client = process.cpuUsage(clientStart)
      const clientSeconds = (client.user + client.system) / 1e6
      const machineEnd = readMachineCpu()
      const machineBusy = machineStart !== undefined && machineEnd !== undefined ? machineEnd.busy - machineStart.busy : 0
      const percent = (x: number): number => wallSeconds > 0 ? (x / wallSeconds) * 100 : 0
      return {
        peakRssBytes,
        hwmBytes: memory?.hwmBytes ?? 0,
        cpuPercent: percent(cpuSeconds),
        clientCpuPercent: percent(clientSeconds),
        otherCpuPercent: Math.max(0, percent(machineBusy - cpuSeconds - clientSeconds))
      }
    }
  }
}
