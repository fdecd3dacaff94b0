// One load measurement with autocannon (programmatic API) against a loopback target, with server-side RSS/CPU sampling.
import autocannon from 'autocannon'
import { sampleProcess, type ProcWindow } from './proc-stats.js'

export interface LoadRequest {
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
  /** The random-tenant case: each request takes one of these (path and headers) at random; `path` and `headers` are then unused. */
  variants?: Array<{ path: string, headers: Record<string, string> }>
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

/**
 * Gives every autocannon connection requests whose bytes are one of `variants`, chosen at random per request. The
 * bytes of every variant are built once, as autocannon builds a static request; autocannon's own per-request hook
 * (setupRequest) rebuilds the request each time, which cost the load generator ~13 µs per request (measured) that
 * the single-tenant case does not pay, on the same two cores as the server. autocannon hands each connection's
 * Client to `setupClient` and writes `client.getRequestBuffer()` once per request.
 */
function randomVariants (port: number, method: string, variants: NonNullable<LoadRequest['variants']>, body: string | undefined): (client: autocannon.Client) => void {
  if (variants.length === 0) throw new Error('no request variants')
  const bodyBytes = Buffer.from(body ?? '', 'utf8')
  const buffers = variants.map(({ path, headers }) => {
    const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: keep-alive']
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
    if (bodyBytes.length > 0) lines.push(`Content-Length: ${bodyBytes.length}`)
    return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), bodyBytes])
  })
  return client => {
    (client as unknown as { getRequestBuffer: () => Buffer }).getRequestBuffer = () => buffers[Math.floor(Math.random() * buffers.length)]
  }
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
  options.requests = [{ method: request.method, path: request.path }]
  if (request.variants !== undefined) options.setupClient = randomVariants(port, request.method, request.variants, request.body)
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
