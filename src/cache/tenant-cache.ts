// Per-instance bounded cache of tenant runtimes (evicting the least recently used, approximately): dropped on version change, re-checked in the background after the TTL, served stale while the store is down; absent tenants are remembered for a second.
import { isTokenmintError } from '../errors.js'
import type { Store } from '../store/store.js'
import type { Clock, TenantSnapshot } from '../types.js'

/** How long a tenant the store does not have is remembered as absent, unless a change notice for it comes first. */
export const ABSENT_TTL_MS = 1000

export interface CacheOptions {
  maxTenants: number
  ttlMs: number
  staleMaxMs: number
  clock: Clock
  /** Told how long each store read of a snapshot took (ms, monotonic) and whether it failed; for metrics. */
  onStoreRead?: (ms: number, failed: boolean) => void
  /** Told how long each version check took (ms, monotonic) and whether it failed; for metrics. */
  onVersionCheck?: (ms: number, failed: boolean) => void
}

export interface CacheStats {
  hits: number
  misses: number
  stale: number
  /** Version checks of entries past their TTL, made in the background while the entry kept serving. */
  checks: number
  /** Lookups of a tenant the store did not have a moment ago, answered without reading it again. */
  absent: number
}

interface Entry<R> {
  runtime: R
  version: number
  /** When the store last confirmed this version. */
  checkedAt: number
  /** Set when a change notice may concern this entry: it is re-read before use, but still served stale if the store is down. */
  doubtful: boolean
  /** Set when the last background version check failed: the entry is re-read before use (or served stale). */
  checkFailed: boolean
  /** Used since the eviction sweep last passed it (second-chance eviction). */
  used: boolean
}

/** Caches what `build` makes of each tenant snapshot, rebuilding only when the version changes. */
export class TenantCache<R> {
  /**
   * In insertion order, which the eviction sweep walks from the oldest: an entry used since the sweep last passed
   * it gets a second chance (moved to the end), one that was not is evicted. This approximates least-recently-used
   * while a lookup only sets `used`: it never reorders the map (a strict LRU would relink a list on every lookup;
   * measured: `npm run bench -- --cases tenants`).
   */
  private readonly entries = new Map<string, Entry<R>>()
  private readonly inflight = new Map<string, Promise<R | undefined>>()
  private readonly checking = new Map<string, Promise<void>>()
  /**
   * Tenants the store did not have, with when it said so, oldest first; at most maxTenants. Unknown tenant ids
   * (authentication runs before the rate limit) so cost one store read per id and second, not one per request.
   */
  private readonly absent = new Map<string, number>()
  /** Change notices heard so far: a load that saw one arrive during its read does not remember absence. */
  private notices = 0
  private readonly unsubscribe: () => void
  readonly stats: CacheStats = { hits: 0, misses: 0, stale: 0, checks: 0, absent: 0 }

  constructor (
    private readonly store: Store,
    private readonly build: (snapshot: TenantSnapshot) => R,
    private readonly options: CacheOptions
  ) {
    this.unsubscribe = store.onChange((tenantId, version) => this.invalidate(tenantId, version))
  }

  /**
   * The runtime when it can be used without waiting (the hot path: no store read, no promise); undefined otherwise.
   * An entry past its TTL is still served while its version is checked in the background (one small read instead
   * of a snapshot): change notices are what keeps entries current, the TTL only bounds how long a missed notice
   * could go unseen. An entry under doubt, or whose last check failed, is not served here.
   */
  fresh (tenantId: string): R | undefined {
    const entry = this.entries.get(tenantId)
    if (entry === undefined || entry.doubtful || entry.checkFailed) return undefined
    entry.used = true
    const now = this.options.clock()
    if (now - entry.checkedAt >= this.options.ttlMs) this.check(tenantId, entry, now)
    this.stats.hits++
    return entry.runtime
  }

  /** The tenant's runtime, or undefined if the tenant does not exist. */
  async get (tenantId: string): Promise<R | undefined> {
    const cached = this.fresh(tenantId)
    if (cached !== undefined) return cached
    const absentSince = this.absent.get(tenantId)
    if (absentSince !== undefined) {
      if (this.options.clock() - absentSince < ABSENT_TTL_MS) {
        this.stats.absent++
        return undefined
      }
      this.absent.delete(tenantId)
    }
    this.stats.misses++
    let pending = this.inflight.get(tenantId)
    if (pending === undefined) {
      pending = this.load(tenantId).finally(() => this.inflight.delete(tenantId))
      this.inflight.set(tenantId, pending)
    }
    return await pending
  }

  /** Drops what is known to be older than `version`; '*' casts doubt on every entry. */
  invalidate (tenantId: string, version: number): void {
    this.notices++
    if (tenantId === '*') {
      for (const entry of this.entries.values()) entry.doubtful = true
      this.absent.clear()
      return
    }
    this.absent.delete(tenantId) // created, most likely: it exists from now on
    const entry = this.entries.get(tenantId)
    if (entry !== undefined && entry.version < version) this.entries.delete(tenantId)
  }

  /** Resolves once the background version checks started so far have settled. */
  async settled (): Promise<void> {
    await Promise.all([...this.checking.values()])
  }

  /** Forgets a tenant at once (this instance just changed it; the change notice of the store follows). */
  drop (tenantId: string): void {
    this.entries.delete(tenantId)
    this.absent.delete(tenantId)
  }

  /** Runtimes cached now (for metrics). */
  cached (): R[] {
    return [...this.entries.values()].map(entry => entry.runtime)
  }

  close (): void {
    this.unsubscribe()
    this.entries.clear()
    this.absent.clear()
  }

  /** Adds or replaces an entry, then evicts down to the bound. */
  private remember (tenantId: string, entry: Entry<R>): void {
    this.entries.delete(tenantId)
    this.entries.set(tenantId, entry)
    while (this.entries.size > this.options.maxTenants) {
      for (const [id, candidate] of this.entries) {
        this.entries.delete(id)
        if (!candidate.used) break
        candidate.used = false
        this.entries.set(id, candidate)
      }
    }
  }

  /** Remembers that the store has no such tenant, forgetting the oldest such memory beyond maxTenants. */
  private rememberAbsent (tenantId: string, now: number): void {
    this.absent.delete(tenantId)
    this.absent.set(tenantId, now)
    if (this.absent.size > this.options.maxTenants) this.absent.delete(this.absent.keys().next().value as string)
  }

  /** Checks an entry's version in the background (once at a time per tenant): unchanged, it is good for another TTL; changed, it goes. */
  private check (tenantId: string, entry: Entry<R>, now: number): void {
    if (this.checking.has(tenantId)) return
    this.stats.checks++
    const started = performance.now()
    const done = this.store.getVersion(tenantId).then(version => {
      this.options.onVersionCheck?.(performance.now() - started, false)
      if (this.entries.get(tenantId) !== entry) return
      if (version === entry.version) entry.checkedAt = Math.max(entry.checkedAt, now)
      else this.entries.delete(tenantId)
    }, () => {
      this.options.onVersionCheck?.(performance.now() - started, true)
      entry.checkFailed = true
    }).finally(() => this.checking.delete(tenantId))
    this.checking.set(tenantId, done)
  }

  private async load (tenantId: string): Promise<R | undefined> {
    const previous = this.entries.get(tenantId)
    const notices = this.notices
    let snapshot: TenantSnapshot | undefined
    const started = performance.now()
    try {
      snapshot = await this.store.getSnapshot(tenantId)
    } catch (err) {
      this.options.onStoreRead?.(performance.now() - started, true)
      if (isTokenmintError(err) && err.code === 'STORE_UNAVAILABLE' && previous !== undefined &&
          this.options.clock() - previous.checkedAt < this.options.staleMaxMs) {
        this.stats.stale++
        return previous.runtime
      }
      throw err
    }
    this.options.onStoreRead?.(performance.now() - started, false)
    const now = this.options.clock()
    if (snapshot === undefined) {
      this.entries.delete(tenantId)
      if (notices === this.notices) this.rememberAbsent(tenantId, now)
      return undefined
    }
    // A notice for a newer version may have arrived while reading: keep whichever is newer.
    const current = this.entries.get(tenantId)
    if (current !== undefined && current.version === snapshot.version) {
      current.checkedAt = now
      current.doubtful = false
      current.checkFailed = false
      return current.runtime
    }
    const runtime = this.build(snapshot)
    this.remember(tenantId, { runtime, version: snapshot.version, checkedAt: now, doubtful: false, checkFailed: false, used: false })
    return runtime
  }
}
