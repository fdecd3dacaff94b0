// Parsing of request times (ISO 8601 or Unix seconds) and formatting of response times.
import { invalid } from './errors.js'

/** Epoch ms of an ISO 8601 string or a Unix-seconds number; a 400 naming `path` otherwise. */
export function parseTime (value: unknown, path: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || value > 253402300799) throw invalid(path, 'must be Unix seconds or an ISO 8601 time')
    return Math.round(value * 1000)
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    const ms = Date.parse(value)
    if (Number.isFinite(ms)) return ms
  }
  if (typeof value === 'string' && /^\d{1,12}$/.test(value)) return Number(value) * 1000
  throw invalid(path, 'must be Unix seconds or an ISO 8601 time')
}

export function iso (ms: number): string {
  return new Date(ms).toISOString()
}

/** Unix seconds from an untrusted source (a token's claims) as ISO 8601 when a Date can hold them, else as the number. */
export function describeSeconds (seconds: number): string {
  return Number.isFinite(seconds) && Math.abs(seconds) <= 8.64e12 ? new Date(seconds * 1000).toISOString() : `${seconds} (Unix seconds)`
}
