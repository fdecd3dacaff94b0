// Counts verifiers' JWKS and discovery fetches in memory, per tenant and verifier, and flushes them to the store once a second.
import { createHash } from 'node:crypto'
import type { JwksDocument } from '../tenant-runtime.js'
import type { Store } from '../store/store.js'
import type { Clock, VerifierFetch } from '../types.js'

/** The verifier id: the first 16 hex characters of SHA-256(`<client address>\n<User-Agent>`). */
export function verifierId (ip: string, userAgent: string): string {
  return createHash('sha256').update(`${ip}\n${userAgent}`).digest('hex').slice(0, 16)
}

/** Longest User-Agent kept. */
export const USER_AGENT_MAX = 200
/** Distinct verifiers (all tenants) held between two flushes; new ones beyond it are dropped, and counted. */
export const PENDING_MAX = 20_000

export interface RecorderOptions {
  store: Store
  clock: Clock
  /** VERIFIERS_MAX: verifiers kept per tenant. */
  max: number
  intervalMs?: number
  pendingMax?: number
  /** A flush failed: its fetches are dropped (recording never fails a verifier's request). */
  onFlushError?: (err: unknown, fetches: number) => void
  /** A flush succeeded: the number of verifiers each written tenant now has. */
  onFlushed?: (counts: Map<string, number>) => void
}

/** One verifier's fetches since the last flush. */
interface Pending {
  ip: string
  userAgent: string
  firstSeen: number
  lastSeen: number
  fetches: number
  /** The JWKS document it last received (a 304 included: its ETag named this document), and when. */
  document?: JwksDocument
  documentAt: number
}

/** The kids of a published JWKS document, read from its body once. */
const kidsOfDocument = new WeakMap<JwksDocument, string[]>()
function kidsOf (document: JwksDocument): string[] {
  let kids = kidsOfDocument.get(document)
  if (kids === undefined) {
    const parsed = JSON.parse(document.body) as { keys: Array<{ kid?: unknown }> }
    kids = parsed.keys.flatMap(key => typeof key.kid === 'string' ? [key.kid] : [])
    kidsOfDocument.set(document, kids)
  }
  return kids
}

/**
 * The request path calls `fetched` (a JWKS answer, 200 or 304) or `fetched` without a document (discovery): two
 * map lookups and a few field writes, no I/O, no hashing. Ids are hashed, User-Agents cut and kids read at flush.
 */
export class VerifierRecorder {
  private pending = new Map<string, Map<string, Pending>>()
  private size = 0
  private timer?: NodeJS.Timeout
  private flushing?: Promise<void>
  /** New verifiers dropped because PENDING_MAX were already waiting for a flush. */
  dropped = 0

  constructor (private readonly options: RecorderOptions) {}

  fetched (tenant: string, ip: string, userAgent: string | undefined, document?: JwksDocument): void {
    const now = this.options.clock()
    const ua = userAgent ?? ''
    let byVerifier = this.pending.get(tenant)
    if (byVerifier === undefined) {
      byVerifier = new Map()
      this.pending.set(tenant, byVerifier)
    }
    const key = `${ip}\n${ua}`
    let entry = byVerifier.get(key)
    if (entry === undefined) {
      if (this.size >= (this.options.pendingMax ?? PENDING_MAX)) {
        this.dropped++
        return
      }
      entry = { ip, userAgent: ua, firstSeen: now, lastSeen: now, fetches: 0, documentAt: 0 }
      byVerifier.set(key, entry)
      this.size++
    }
    entry.lastSeen = now
    entry.fetches++
    if (document !== undefined) {
      entry.document = document
      entry.documentAt = now
    }
  }

  start (): void {
    if (this.timer !== undefined) return
    // A tick while a flush is still running (Redis slow or down) is skipped, so flushes never queue up.
    this.timer = setInterval(() => { if (this.flushing === undefined) this.flush().catch(() => {}) }, this.options.intervalMs ?? 1000)
    this.timer.unref()
  }

  /** Writes everything seen before the call, in one store call after the flush in progress if any; never rejects. */
  async flush (): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    if (this.size === 0) return
    this.flushing = this.write().finally(() => { this.flushing = undefined })
    await this.flushing
  }

  /** Stops the timer and writes what is left. */
  async stop (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
  }

  private async write (): Promise<void> {
    const batch = this.pending
    this.pending = new Map()
    this.size = 0
    const fetches: VerifierFetch[] = []
    for (const [tenant, byVerifier] of batch) {
      for (const entry of byVerifier.values()) {
        const fetch: VerifierFetch = {
          tenant,
          id: verifierId(entry.ip, entry.userAgent),
          ip: entry.ip,
          userAgent: entry.userAgent.slice(0, USER_AGENT_MAX),
          firstSeen: entry.firstSeen,
          lastSeen: entry.lastSeen,
          fetches: entry.fetches
        }
        if (entry.document !== undefined) {
          fetch.kids = kidsOf(entry.document)
          fetch.kidsAt = entry.documentAt
        }
        fetches.push(fetch)
      }
    }
    try {
      const counts = await this.options.store.recordVerifiers(fetches, this.options.max)
      this.options.onFlushed?.(counts)
    } catch (err) {
      this.options.onFlushError?.(err, fetches.length)
    }
  }
}
