// The embedded in-process store (dev mode): the Store semantics of the Redis store, kept in memory.
import { TokenmintError, invalid, storeUnavailable } from '../errors.js'
import type { CredentialRecord } from '../access/credentials.js'
import type { SessionRecord } from '../access/sessions.js'
import type { ApiKeyRecord, AuditEntry, Clock, KeyVersion, Page, Tenant, TenantSnapshot, VerifierFetch, VerifierRecord } from '../types.js'
import { DEFAULT_AUDIT_RETENTION_MS, DEFAULT_ONCE_TTL_MS, auditBefore, byCreation, decodeAuditCursor, decodeCursor, encodeAuditCursor, encodeCursor, mergeVerifier, newestAuditFirst, type AuditPosition } from './common.js'
import { MemoryEventStore } from './memory-event-store.js'
import { MemoryRateCounter, RateWindows } from './memory-rate-counter.js'
import type { OutboxEvent } from '../webhooks/events.js'
import type { RateCount, RateCounter, RateCounterOptions } from './rate-counter.js'
import type { AppendKeyOptions, ChangeListener, ListAuditOptions, ListTenantsOptions, MoveActivation, Store } from './store.js'

export interface MemoryStoreOptions {
  /** Decides when create-if-absent markers expire and rate windows end; Date.now by default. */
  clock?: Clock
  /** How long audit entries are kept, ms (default 365 days). */
  auditRetentionMs?: number
}

interface TenantRecord {
  tenant: Tenant
  keys: Map<string, KeyVersion>
  apiKeys: Map<string, ApiKeyRecord>
}

/** An audit entry at its place in the log, numbered as the Redis stream numbers it. */
interface LoggedEntry extends AuditPosition {
  entry: AuditEntry
}

/** The ids of a due index whose time has come, earliest first, at most `limit`. */
function dueIds (index: Map<string, number>, now: number, limit: number): string[] {
  if (limit < 1) return []
  return [...index.entries()]
    .filter(([, dueAt]) => dueAt <= now)
    .sort(([a, dueA], [b, dueB]) => dueA - dueB || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, Math.floor(limit))
    .map(([id]) => id)
}

/**
 * Records are copied with structuredClone on the way in and out, so callers never share objects
 * with the store. Versions survive a delete (as in Redis), so a re-created tenant never reuses one.
 * Change listeners are called in a microtask after the write, never inside it.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const
  readonly eventStore: MemoryEventStore
  private readonly clock: Clock
  private readonly tenants = new Map<string, TenantRecord>()
  private readonly versions = new Map<string, number>()
  private readonly audit = new Map<string, LoggedEntry[]>()
  private readonly markers = new Map<string, number>()
  private readonly rotationDue = new Map<string, number>()
  private readonly gateDue = new Map<string, number>()
  private readonly verifiers = new Map<string, Map<string, VerifierRecord>>()
  private readonly listeners = new Set<ChangeListener>()
  private readonly rateWindows: RateWindows
  private readonly auditRetentionMs: number
  private closed = false
  private readonly credentials = new Map<string, CredentialRecord & { lastUsedAt: number | null }>()
  private readonly sessions = new Map<string, { record: SessionRecord, until: number }>()
  private readonly secrets = new Map<string, string>()
  private readonly failureWindows = new Map<string, { current: number, until: number }>()

  constructor (options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? Date.now
    this.rateWindows = new RateWindows(this.clock)
    this.eventStore = new MemoryEventStore(this.clock, entry => this.log(entry.tenant, entry))
    this.auditRetentionMs = options.auditRetentionMs ?? DEFAULT_AUDIT_RETENTION_MS
  }

  async ready (): Promise<void> {
    this.open()
  }

  async createTenant (tenant: Tenant, firstKey: KeyVersion | undefined, audit: AuditEntry, events: OutboxEvent[] = []): Promise<number> {
    this.open()
    if (this.tenants.has(tenant.id)) throw new TokenmintError('TENANT_EXISTS', 'the tenant already exists')
    this.log(tenant.id, audit)
    const keys = new Map<string, KeyVersion>()
    if (firstKey !== undefined) keys.set(firstKey.kid, structuredClone(firstKey))
    this.tenants.set(tenant.id, { tenant: structuredClone(tenant), keys, apiKeys: new Map() })
    this.eventStore.append(tenant.id, events)
    if (firstKey !== undefined) this.eventStore.markKeyring(tenant.id, audit.at)
    return this.bump(tenant.id)
  }

  async getSnapshot (tenantId: string): Promise<TenantSnapshot | undefined> {
    this.open()
    const record = this.tenants.get(tenantId)
    if (record === undefined) return undefined
    return structuredClone({
      tenant: record.tenant,
      keys: [...record.keys.values()],
      apiKeys: [...record.apiKeys.values()].sort(byCreation),
      version: this.versions.get(tenantId) ?? 0
    })
  }

  async getVersion (tenantId: string): Promise<number | undefined> {
    this.open()
    return this.versions.get(tenantId)
  }

  async listTenants (options: ListTenantsOptions): Promise<Page<Tenant>> {
    this.open()
    const limit = Math.max(1, Math.floor(options.limit))
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor)
    const ids = [...this.tenants.keys()].filter(id => after === undefined || id > after).sort()
    const items = ids.slice(0, limit).map(id => structuredClone(this.tenants.get(id)?.tenant as Tenant))
    const nextCursor = ids.length > limit ? encodeCursor(items[items.length - 1].id) : null
    return { items, nextCursor }
  }

  async updateTenant (tenant: Tenant, expectedVersion: number, audit: AuditEntry, events: OutboxEvent[] = []): Promise<number> {
    const record = this.existing(tenant.id)
    if ((this.versions.get(tenant.id) ?? 0) !== expectedVersion) {
      throw new TokenmintError('CONFLICT', 'the tenant was changed by someone else; read it again')
    }
    this.log(tenant.id, audit)
    record.tenant = structuredClone(tenant)
    this.eventStore.append(tenant.id, events)
    return this.bump(tenant.id)
  }

  async deleteTenant (tenantId: string, audit: AuditEntry, events: OutboxEvent[] = []): Promise<void> {
    this.existing(tenantId)
    this.log(tenantId, audit)
    this.tenants.delete(tenantId)
    this.rotationDue.delete(tenantId)
    this.gateDue.delete(tenantId)
    this.verifiers.delete(tenantId)
    this.eventStore.append(tenantId, events)
    this.bump(tenantId)
  }

  async appendKey (tenantId: string, key: KeyVersion, audit: AuditEntry, options: AppendKeyOptions = {}): Promise<boolean> {
    const record = this.existing(tenantId)
    const marker = options.once === undefined ? undefined : `${tenantId}\u0000${options.once}`
    if (marker !== undefined) {
      const expiresAt = this.markers.get(marker)
      if (expiresAt !== undefined && expiresAt > this.clock()) return false
    }
    if (record.keys.has(key.kid)) throw new TokenmintError('KID_EXISTS', 'the tenant already has a key with this kid')
    const { revoke } = options
    if (revoke !== undefined && !Number.isSafeInteger(revoke.revokedAt)) throw invalid('revokedAt', 'must be a whole number of milliseconds')
    const revoked = revoke === undefined ? undefined : record.keys.get(revoke.kid)
    if (revoke !== undefined && revoked === undefined) throw new TokenmintError('KEY_NOT_FOUND', 'the tenant has no key with this kid')
    const revoking = revoked !== undefined && revoked.revokedAt === undefined
    const destroyed = (options.destroy ?? []).filter(d => record.keys.has(d.kid))
    this.log(tenantId, audit)
    if (revoking) this.log(tenantId, revoke?.audit as AuditEntry)
    for (const d of destroyed) this.log(tenantId, d.audit)
    record.keys.set(key.kid, structuredClone(key))
    if (revoking) revoked.revokedAt = revoke?.revokedAt
    for (const d of destroyed) record.keys.delete(d.kid)
    if (marker !== undefined) this.markers.set(marker, this.clock() + (options.onceTtlMs ?? DEFAULT_ONCE_TTL_MS))
    this.eventStore.append(tenantId, options.events ?? [])
    this.eventStore.markKeyring(tenantId, audit.at)
    this.bump(tenantId)
    return true
  }

  async revokeKey (tenantId: string, kid: string, revokedAt: number, audit: AuditEntry, events: OutboxEvent[] = []): Promise<number> {
    if (!Number.isSafeInteger(revokedAt)) throw invalid('revokedAt', 'must be a whole number of milliseconds')
    const record = this.existing(tenantId)
    const key = record.keys.get(kid)
    if (key === undefined) throw new TokenmintError('KEY_NOT_FOUND', 'the tenant has no key with this kid')
    if (key.revokedAt !== undefined) return key.revokedAt
    this.log(tenantId, audit)
    key.revokedAt = revokedAt
    this.eventStore.append(tenantId, events)
    this.eventStore.markKeyring(tenantId, audit.at)
    this.bump(tenantId)
    return revokedAt
  }

  async putApiKey (record: ApiKeyRecord, audit: AuditEntry, events: OutboxEvent[] = []): Promise<void> {
    const tenant = this.existing(record.tenant)
    this.log(record.tenant, audit)
    tenant.apiKeys.set(record.id, structuredClone(record))
    this.eventStore.append(record.tenant, events)
    this.bump(record.tenant)
  }

  async getApiKey (tenantId: string, id: string): Promise<ApiKeyRecord | undefined> {
    this.open()
    const record = this.tenants.get(tenantId)?.apiKeys.get(id)
    return record === undefined ? undefined : structuredClone(record)
  }

  async deleteApiKey (tenantId: string, id: string, audit: AuditEntry, events: OutboxEvent[] = []): Promise<void> {
    const tenant = this.existing(tenantId)
    if (!tenant.apiKeys.has(id)) throw new TokenmintError('API_KEY_NOT_FOUND', 'the tenant has no API key with this id')
    this.log(tenantId, audit)
    tenant.apiKeys.delete(id)
    this.eventStore.append(tenantId, events)
    this.bump(tenantId)
  }

  async appendAudit (entry: AuditEntry): Promise<void> {
    this.open()
    this.log(entry.tenant, entry)
  }

  async listAudit (options: ListAuditOptions): Promise<Page<AuditEntry>> {
    this.open()
    const limit = Math.floor(options.limit)
    if (limit < 1) return { items: [], nextCursor: null }
    const cursor = options.cursor === undefined ? undefined : decodeAuditCursor(options.cursor)
    const since = options.since ?? 0
    const scope = options.tenants
    const logs = options.tenant === undefined
      ? [...this.audit.entries()].filter(([tenant]) => scope === undefined || scope.includes(tenant)).map(([, log]) => log)
      : [this.audit.get(options.tenant) ?? []]
    const found = logs.flat()
      .filter(item => item.ms >= since && (cursor === undefined || auditBefore(item, cursor)) && (options.actor === undefined || item.entry.actor === options.actor))
      .sort(newestAuditFirst)
    const page = found.slice(0, limit)
    return {
      items: page.map(({ entry }) => structuredClone(entry)),
      nextCursor: found.length > limit ? encodeAuditCursor(page[page.length - 1]) : null
    }
  }

  async setRotationDue (tenantId: string, dueAt: number | null): Promise<void> {
    this.open()
    if (dueAt === null) this.rotationDue.delete(tenantId)
    else this.rotationDue.set(tenantId, dueAt)
  }

  async listDueRotations (now: number, limit: number): Promise<string[]> {
    this.open()
    return dueIds(this.rotationDue, now, limit)
  }

  async recordVerifiers (fetches: VerifierFetch[], max: number): Promise<Map<string, number>> {
    this.open()
    const counts = new Map<string, number>()
    for (const fetch of fetches) {
      if (!this.tenants.has(fetch.tenant)) continue
      let records = this.verifiers.get(fetch.tenant)
      if (records === undefined) {
        records = new Map()
        this.verifiers.set(fetch.tenant, records)
      }
      records.set(fetch.id, mergeVerifier(records.get(fetch.id), fetch))
      counts.set(fetch.tenant, 0)
    }
    for (const tenant of counts.keys()) {
      const records = this.verifiers.get(tenant) as Map<string, VerifierRecord>
      // Least recently seen first, ties by id, as the Redis sorted set pops them.
      const dropped = [...records.values()].sort((a, b) => a.lastSeen - b.lastSeen || (a.id < b.id ? -1 : 1)).slice(0, Math.max(0, records.size - max))
      for (const record of dropped) records.delete(record.id)
      counts.set(tenant, records.size)
    }
    return counts
  }

  async getVerifiers (tenantId: string): Promise<VerifierRecord[]> {
    this.open()
    return structuredClone([...(this.verifiers.get(tenantId)?.values() ?? [])])
  }

  async moveActivation (tenantId: string, move: MoveActivation, audit: AuditEntry, events: OutboxEvent[] = []): Promise<boolean> {
    const record = this.existing(tenantId)
    const key = record.keys.get(move.kid)
    if (key === undefined) throw new TokenmintError('KEY_NOT_FOUND', 'the tenant has no key with this kid')
    if (key.activateAt !== move.expectedActivateAt || key.revokedAt !== undefined || key.gateSettledAt !== undefined) return false
    this.log(tenantId, audit)
    key.activateAt = move.activateAt
    if (move.settledAt !== undefined) key.gateSettledAt = move.settledAt
    this.eventStore.append(tenantId, events)
    this.eventStore.markKeyring(tenantId, audit.at)
    this.bump(tenantId)
    return true
  }

  async setGateDue (tenantId: string, dueAt: number | null): Promise<void> {
    this.open()
    if (dueAt === null) this.gateDue.delete(tenantId)
    else this.gateDue.set(tenantId, dueAt)
  }

  async listDueGates (now: number, limit: number): Promise<string[]> {
    this.open()
    return dueIds(this.gateDue, now, limit)
  }

  onChange (listener: ChangeListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** There is no connection to lose: the listener is never called. */
  onConnectionError (_listener: (err: Error) => void): () => void {
    return () => {}
  }

  openRateCounter (options: RateCounterOptions): RateCounter {
    return new MemoryRateCounter(this.rateWindows, options)
  }

  async close (): Promise<void> {
    this.closed = true
    this.eventStore.closed = true
    this.rateWindows.closed = true
    this.listeners.clear()
  }

  async putCredential (record: CredentialRecord, audit: AuditEntry): Promise<void> {
    this.open()
    this.log('', audit)
    this.credentials.set(record.id, { ...structuredClone(record), lastUsedAt: null })
    this.bump('')
  }

  async getCredential (id: string): Promise<CredentialRecord | undefined> {
    this.open()
    const stored = this.credentials.get(id)
    if (stored === undefined) return undefined
    const { lastUsedAt: _lastUsedAt, ...record } = structuredClone(stored)
    return record
  }

  async listCredentials (): Promise<Array<CredentialRecord & { lastUsedAt: number | null }>> {
    this.open()
    return [...this.credentials.values()].map(record => structuredClone(record))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  }

  async deleteCredential (id: string, audit: AuditEntry): Promise<void> {
    this.open()
    if (!this.credentials.has(id)) throw new TokenmintError('CREDENTIAL_NOT_FOUND', 'there is no credential with this id')
    this.log('', audit)
    this.credentials.delete(id)
    this.bump('')
  }

  async touchCredential (id: string, at: number): Promise<void> {
    this.open()
    const record = this.credentials.get(id)
    if (record !== undefined) record.lastUsedAt = at
  }

  async putSession (record: SessionRecord, ttlMs: number): Promise<void> {
    this.open()
    this.sessions.set(record.id, { record: structuredClone(record), until: this.clock() + ttlMs })
  }

  async getSession (id: string): Promise<SessionRecord | undefined> {
    this.open()
    const stored = this.sessions.get(id)
    if (stored === undefined || stored.until <= this.clock()) return undefined
    return structuredClone(stored.record)
  }

  async deleteSession (id: string): Promise<void> {
    this.open()
    this.sessions.delete(id)
    this.bump('')
  }

  async sharedSecret (name: string, create: () => string): Promise<string> {
    this.open()
    const existing = this.secrets.get(name)
    if (existing !== undefined) return existing
    const created = create()
    this.secrets.set(name, created)
    return created
  }

  async countFailure (key: string, windowMs: number): Promise<RateCount> {
    this.open()
    const now = this.clock()
    let window = this.failureWindows.get(key)
    if (window === undefined || window.until <= now) {
      // Windows that ended are dropped now and then, so that addresses seen once do not pile up.
      if (this.failureWindows.size >= 10_000) for (const [k, w] of this.failureWindows) if (w.until <= now) this.failureWindows.delete(k)
      window = { current: 0, until: now + windowMs }
      this.failureWindows.set(key, window)
    }
    window.current++
    return { current: window.current, ttl: window.until - now }
  }

  async failures (key: string): Promise<RateCount> {
    this.open()
    const now = this.clock()
    const window = this.failureWindows.get(key)
    if (window === undefined || window.until <= now) return { current: 0, ttl: 0 }
    return { current: window.current, ttl: window.until - now }
  }

  private open (): void {
    if (this.closed) throw storeUnavailable(new Error('the memory store is closed'))
  }

  private existing (tenantId: string): TenantRecord {
    this.open()
    const record = this.tenants.get(tenantId)
    if (record === undefined) throw new TokenmintError('TENANT_NOT_FOUND', 'the tenant does not exist')
    return record
  }

  private log (tenantId: string, entry: AuditEntry): void {
    const log = this.audit.get(tenantId) ?? []
    // As in the Redis stream: the id's time never goes back, and entries older than the retention are trimmed.
    const last = log[log.length - 1]
    const ms = last === undefined || last.ms < entry.at ? entry.at : last.ms
    const seq = last !== undefined && last.ms === ms ? last.seq + 1 : 0
    const kept = log.filter(item => item.ms >= ms - this.auditRetentionMs)
    kept.push({ ms, seq, tenant: tenantId, entry: structuredClone(entry) })
    this.audit.set(tenantId, kept)
  }

  private bump (tenantId: string): number {
    const version = (this.versions.get(tenantId) ?? 0) + 1
    this.versions.set(tenantId, version)
    queueMicrotask(() => {
      for (const listener of [...this.listeners]) {
        try {
          listener(tenantId, version)
        } catch {
          // A failing listener must not keep the others from hearing about the change.
        }
      }
    })
    return version
  }
}
