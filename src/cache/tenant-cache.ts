// Per-instance bounded LRU of tenant runtimes: dropped on version change or TTL, served stale while the store is down.
import { LRUCache } from 'lru-cache'
import { isTokenmintError } from '../errors.js'
import type { Store } from '../store/store.js'
import type { Clock, TenantSnapshot } from '../types.js'

export interface CacheOptions {
  maxTenants: number
  ttlMs: number
  staleMaxMs: number
  clock: Clock
  /** Told how long each store read of a snapshot took (ms, monotonic) and whether it failed; for metrics. */
  onStoreRead?: (ms: number, failed: boolean) => void
}

export interface CacheStats {
  hits: number
  misses: number
  stale: number
}

interface Entry<R> {
  runtime: R
  version: number
  /** When the store last confirmed this version. */
  checkedAt: number
  /** Set when a change notice may concern this entry: it is re-read before use, but still served stale if the store is down. */
  doubtful: boolean
}

/** Caches what `build` makes of each tenant snapshot, rebuilding only when the version changes. */
export class TenantCache<R> {
  private readonly entries: LRUCache<string, Entry<R>>
  private readonly inflight = new Map<string, Promise<R | undefined>>()
  private readonly unsubscribe: () => void
  readonly stats: CacheStats = { hits: 0, misses: 0, stale: 0 }

  constructor (
    private readonly store: Store,
    private readonly build: (snapshot: TenantSnapshot) => R,
    private readonly options: CacheOptions
  ) {
    this.entries = new LRUCache({ max: options.maxTenants })
    this.unsubscribe = store.onChange((tenantId, version) => this.invalidate(tenantId, version))
  }

  /** The runtime when it is cached and fresh, without a store read or a promise (the hot path); undefined otherwise. */
  fresh (tenantId: string): R | undefined {
    const entry = this.entries.get(tenantId)
    if (entry === undefined || entry.doubtful || this.options.clock() - entry.checkedAt >= this.options.ttlMs) return undefined
    this.stats.hits++
    return entry.runtime
  }

  /** The tenant's runtime, or undefined if the tenant does not exist. */
  async get (tenantId: string): Promise<R | undefined> {
    const cached = this.fresh(tenantId)
    if (cached !== undefined) return cached
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
    if (tenantId === '*') {
      for (const entry of this.entries.values()) entry.doubtful = true
      return
    }
    const entry = this.entries.peek(tenantId)
    if (entry !== undefined && entry.version < version) this.entries.delete(tenantId)
  }

  /** Forgets a tenant at once (this instance just changed it; the change notice of the store follows). */
  drop (tenantId: string): void {
    this.entries.delete(tenantId)
  }

  /** Runtimes cached now (for metrics). */
  cached (): R[] {
    return [...this.entries.values()].map(entry => entry.runtime)
  }

  close (): void {
    this.unsubscribe()
    this.entries.clear()
  }

  private async load (tenantId: string): Promise<R | undefined> {
    const previous = this.entries.peek(tenantId)
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
      return undefined
    }
    // A notice for a newer version may have arrived while reading: keep whichever is newer.
    const current = this.entries.peek(tenantId)
    if (current !== undefined && current.version === snapshot.version) {
      current.checkedAt = now
      current.doubtful = false
      return current.runtime
    }
    const runtime = this.build(snapshot)
    this.entries.set(tenantId, { runtime, version: snapshot.version, checkedAt: now, doubtful: false })
    return runtime
  }
}
