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
/** Distinct verifiers (all tenants) held in memory; new ones beyond it are dropped, and counted. */
export const PENDING_MAX = 20_000
/**
 * How often a verifier that keeps fetching the same document is written again, ms. A new verifier, and one that
 * received another document (a new key), is written by the next tick; its counts and last fetch wait this long.
 */
export const REFRESH_MS = 10_000

export interface RecorderOptions {
  store: Store
  clock: Clock
  /** VERIFIERS_MAX: verifiers kept per tenant. */
  max: number
  intervalMs?: number
  pendingMax?: number
  refreshMs?: number
  /** A flush failed: its fetches stay in memory and go with the next one (recording never fails a request). */
  onFlushError?: (err: unknown, fetches: number) => void
  /** A flush succeeded: the number of verifiers each written tenant now has. */
  onFlushed?: (counts: Map<string, number>) => void
}

/** One verifier as this instance knows it: its fetches not yet written, and what was last written. */
interface Tracked {
  ip: string
  userAgent: string
  firstSeen: number
  lastSeen: number
  /** Fetches since the last write. */
  fetches: number
  /** The JWKS document it last received (a 304 included: its ETag named this document), and when. */
  document?: JwksDocument
  documentAt: number
  /** When it was last written (-1: never), and the document that write carried. */
  writtenAt: number
  writtenDocument?: JwksDocument
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
 * The request path calls `fetched` (a JWKS answer, 200 or 304) or `fetched` without a document (discovery): three
 * map lookups and a few field writes, no I/O, no clock read, no hashing, no allocation for a known verifier. Ids are hashed,
 * User-Agents cut and kids read at flush.
 *
 * A tick (once a second) writes the verifiers that are new or received another document since their last write,
 * and the others every REFRESH_MS: a verifier polling an unchanged JWKS costs one write per REFRESH_MS, not one per
 * second, while a verifier taking up a new key is known to every instance within a tick. `flush` writes everything.
 */
export class VerifierRecorder {
  /** tenant → client address → User-Agent → verifier. */
  private readonly tracked = new Map<string, Map<string, Map<string, Tracked>>>()
  private size = 0
  private timer?: NodeJS.Timeout
  private flushing?: Promise<void>
  /** New verifiers dropped because PENDING_MAX were already held. */
  dropped = 0

  constructor (private readonly options: RecorderOptions) {}

  /** `now` is the request's own reading of the clock (the route has one: it picked the document with it). */
  fetched (tenant: string, ip: string, userAgent: string | undefined, now: number, document?: JwksDocument): void {
    const ua = userAgent ?? ''
    let byAddress = this.tracked.get(tenant)
    if (byAddress === undefined) {
      byAddress = new Map()
      this.tracked.set(tenant, byAddress)
    }
    let byAgent = byAddress.get(ip)
    if (byAgent === undefined) {
      byAgent = new Map()
      byAddress.set(ip, byAgent)
    }
    let entry = byAgent.get(ua)
    if (entry === undefined) {
      if (this.size >= (this.options.pendingMax ?? PENDING_MAX)) {
        this.dropped++
        return
      }
      entry = { ip, userAgent: ua, firstSeen: now, lastSeen: now, fetches: 0, documentAt: 0, writtenAt: -1 }
      byAgent.set(ua, entry)
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
    this.timer = setInterval(() => { if (this.flushing === undefined) this.flushDue().catch(() => {}) }, this.options.intervalMs ?? 1000)
    this.timer.unref()
  }

  /** Writes the verifiers due (see the class comment), after the flush in progress if any; never rejects. */
  async flushDue (): Promise<void> {
    await this.run(false)
  }

  /** Writes every fetch seen before the call, after the flush in progress if any; never rejects. */
  async flush (): Promise<void> {
    await this.run(true)
  }

  /** Stops the timer and writes what is left. */
  async stop (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
  }

  private async run (all: boolean): Promise<void> {
    while (this.flushing !== undefined) await this.flushing
    if (this.size === 0) return
    this.flushing = this.write(all).finally(() => { this.flushing = undefined })
    await this.flushing
  }

  /** Writes the verifiers with unwritten fetches (`all`, or those due), and forgets those idle since their write. */
  private async write (all: boolean): Promise<void> {
    const now = this.options.clock()
    const refreshMs = this.options.refreshMs ?? REFRESH_MS
    const fetches: VerifierFetch[] = []
    const sent: Array<{ entry: Tracked, fetches: number, document?: JwksDocument }> = []
    for (const [tenant, byAddress] of this.tracked) {
      for (const [ip, byAgent] of byAddress) {
        for (const [ua, entry] of byAgent) {
          if (entry.fetches === 0) {
            // Written, and not fetched since: forgotten once REFRESH_MS idle (it is in the store).
            if (now - entry.lastSeen >= refreshMs) {
              byAgent.delete(ua)
              this.size--
            }
            continue
          }
          const due = all || entry.writtenAt < 0 || entry.document !== entry.writtenDocument || now - entry.writtenAt >= refreshMs
          if (!due) continue
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
          sent.push({ entry, fetches: entry.fetches, document: entry.document })
        }
        if (byAgent.size === 0) byAddress.delete(ip)
      }
      if (byAddress.size === 0) this.tracked.delete(tenant)
    }
    if (fetches.length === 0) return
    try {
      const counts = await this.options.store.recordVerifiers(fetches, this.options.max)
      // Fetches that came in during the write stay counted for the next one.
      for (const { entry, fetches: written, document } of sent) {
        entry.fetches -= written
        entry.writtenAt = now
        entry.writtenDocument = document
      }
      this.options.onFlushed?.(counts)
    } catch (err) {
      this.options.onFlushError?.(err, fetches.length)
    }
  }
}
