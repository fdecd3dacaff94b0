// One load measurement with autocannon (programmatic API) against a loopback target, with server-side RSS/CPU sampling.
import autocannon from 'autocannon'
import { sampleProcess, type ProcWindow } from './proc-stats.js'

export interface LoadRequest {
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
  /** Picks a fresh path/headers per request (random tenant case); rebuilt by autocannon each time. */
  pick?: () => { path: string, headers: Record<string, string> }
}

export interface LoadOptions {
  connections: number
  durationS: number
  warmupS: number
  /** Checked after the warm-up: true skips the measured part. */
  shouldStop?: () => boolean
}

export interface Measurement {
  /** Mean of autocannon's per-second request counts (all statuses). */
  reqPerSec: number
  /** Successful (2xx) responses per second of the measured window. */
  okPerSec: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  total: number
  non2xx: number
  errors: number
  timeouts: number
  durationS: number
  peakRssMb: number
  hwmMb: number
  /** Server CPU, percent of one core. */
  cpuPercent: number
  /** Load generator CPU, percent of one core (near 100: the client may be the limit). */
  clientCpuPercent: number
  /** CPU used by other processes on the machine during the window, percent of one core. */
  otherCpuPercent: number
}

let current: autocannon.Instance | undefined

/** Stops the load run in progress (SIGINT, budget); its promise resolves with what was measured. */
export function stopCurrentLoad (): void {
  current?.stop()
}

function fire (port: number, request: LoadRequest, connections: number, durationS: number): Promise<autocannon.Result> {
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: durationS,
    method: request.method,
    headers: request.headers,
    body: request.body,
    timeout: 10
  }
  const pick = request.pick
  if (pick !== undefined) {
    options.requests = [{
      method: request.method,
      setupRequest: req => {
        const next = pick()
        req.path = next.path
        req.headers = { ...req.headers, ...next.headers }
        return req
      }
    }]
  } else {
    options.requests = [{ method: request.method, path: request.path }]
  }
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, result) => {
      current = undefined
      if (err !== null && err !== undefined) reject(err)
      else resolve(result)
    })
    current = instance
  })
}

const MB = 1024 * 1024
const round = (n: number, digits = 2): number => Number(n.toFixed(digits))

/** Warms up (not recorded), then measures for durationS while sampling the server process `pid`; undefined if stopped before measuring. */
export async function measure (port: number, pid: number, request: LoadRequest, options: LoadOptions): Promise<Measurement | undefined> {
  if (options.warmupS > 0) await fire(port, request, options.connections, options.warmupS)
  if (options.shouldStop?.() === true) return undefined
  const sampler = sampleProcess(pid)
  let result: autocannon.Result
  let proc: ProcWindow
  try {
    result = await fire(port, request, options.connections, options.durationS)
  } finally {
    proc = sampler.stop()
  }
  const durationS = result.duration > 0 ? result.duration : options.durationS
  return {
    reqPerSec: round(result.requests.average, 0),
    okPerSec: round(result['2xx'] / durationS, 0),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: round(durationS),
    peakRssMb: round(proc.peakRssBytes / MB, 1),
    hwmMb: round(proc.hwmBytes / MB, 1),
    cpuPercent: round(proc.cpuPercent, 0),
    clientCpuPercent: round(proc.clientCpuPercent, 0),
    otherCpuPercent: round(proc.otherCpuPercent, 0)
  }
}
