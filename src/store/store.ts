// The store interface: the one contract that MemoryStore and RedisStore both fulfil.
import type { ApiKeyRecord, AuditEntry, KeyVersion, Page, Tenant, TenantSnapshot, VerifierFetch, VerifierRecord } from '../types.js'
import type { CredentialRecord } from '../access/credentials.js'
import type { SessionRecord } from '../access/sessions.js'
import type { OutboxEvent } from '../webhooks/events.js'
import type { EventStore } from './event-store.js'
import type { RateCount, RateCounter, RateCounterOptions } from './rate-counter.js'

/** Called with a tenant id and its new version; tenant '*' means "anything may have changed" (e.g. after a reconnect). */
export type ChangeListener = (tenantId: string, version: number) => void

export interface ListTenantsOptions {
  cursor?: string
  limit: number
}

export interface ListAuditOptions {
  tenant?: string
  /** Without `tenant`: only the logs of these tenants (a tenant-admin's scope). */
  tenants?: readonly string[]
  /** Only the entries of this actor. */
  actor?: string
  /** Epoch ms: no entry older than this. */
  since?: number
  /** Opaque, from a previous page's nextCursor. */
  cursor?: string
  limit: number
}

export interface AppendKeyOptions {
  /**
   * Create-if-absent for scheduled work: when set, the key is appended only if this marker
   * does not exist yet for the tenant, and the marker is created in the same atomic step.
   * The marker expires after `onceTtlMs`.
   */
  once?: string
  onceTtlMs?: number
  /**
   * Emergency rotation: revokes this key at `revokedAt` in the same atomic step, audited with `audit`
   * (KEY_NOT_FOUND if the kid does not exist; a key already revoked keeps its first revokedAt and no second entry).
   */
  revoke?: { kid: string, revokedAt: number, audit: AuditEntry }
  /** Keyring pruning: deletes these keys, material included, in the same atomic step; each audited with its entry. */
  destroy?: Array<{ kid: string, audit: AuditEntry }>
  /** Outbox events of the write, appended in the same atomic step (none when the marker was already claimed). */
  events?: OutboxEvent[]
}

/** A compare-and-set of a key's activateAt, made by the activation gate. */
export interface MoveActivation {
  kid: string
  /** Written only while the key's activateAt is still this, it is not revoked and the gate has not settled it. */
  expectedActivateAt: number
  activateAt: number
  /** Also marks the key as settled by the gate at this time (it is watched no more). */
  settledAt?: number
}

/**
 * Every write is one atomic step: it changes its records, bumps the tenant's version,
 * appends its audit entry and its outbox events (the `events` argument) and publishes the change, or does none of it.
 * A write that changes a keyring (a tenant created with a key, a key appended or revoked) also files the tenant in the
 * key-time index at the audit entry's time (EventStore.markKeyTimes).
 * Failures to reach the backing store surface as TokenmintError('STORE_UNAVAILABLE').
 * Domain failures surface as TokenmintError with codes TENANT_EXISTS, TENANT_NOT_FOUND,
 * KID_EXISTS, KEY_NOT_FOUND, API_KEY_NOT_FOUND and CONFLICT.
 */
export interface Store {
  readonly kind: 'memory' | 'redis'

  /** Resolves when the store answers (one round trip); rejects with STORE_UNAVAILABLE otherwise. */
  ready (): Promise<void>

  /** Creates the tenant with an optional first key. TENANT_EXISTS if the id is taken. */
  createTenant (tenant: Tenant, firstKey: KeyVersion | undefined, audit: AuditEntry, events?: OutboxEvent[]): Promise<number>
  /** Tenant, keyring and API keys read in one step, or undefined. */
  getSnapshot (tenantId: string): Promise<TenantSnapshot | undefined>
  /**
   * The tenant's version counter alone (one small read): every write, a deletion included, increments it, so an
   * unchanged value means an unchanged snapshot. Undefined when the tenant never existed.
   */
  getVersion (tenantId: string): Promise<number | undefined>
  /** Tenants ordered by id; the cursor is opaque. */
  listTenants (options: ListTenantsOptions): Promise<Page<Tenant>>
  /** Replaces the tenant record if its version is still `expectedVersion` (CONFLICT otherwise). Returns the new version. */
  updateTenant (tenant: Tenant, expectedVersion: number, audit: AuditEntry, events?: OutboxEvent[]): Promise<number>
  /** Removes the tenant, its keyring and its API keys (its audit log stays). */
  deleteTenant (tenantId: string, audit: AuditEntry, events?: OutboxEvent[]): Promise<void>

  /**
   * Appends a key version, with the revocation and destructions of `options` in the same atomic step.
   * Returns false when `options.once` was already claimed (nothing written).
   */
  appendKey (tenantId: string, key: KeyVersion, audit: AuditEntry, options?: AppendKeyOptions): Promise<boolean>
  /** Sets revokedAt on a key unless it is already set; returns the effective revokedAt. */
  revokeKey (tenantId: string, kid: string, revokedAt: number, audit: AuditEntry, events?: OutboxEvent[]): Promise<number>

  putApiKey (record: ApiKeyRecord, audit: AuditEntry, events?: OutboxEvent[]): Promise<void>
  getApiKey (tenantId: string, id: string): Promise<ApiKeyRecord | undefined>
  deleteApiKey (tenantId: string, id: string, audit: AuditEntry, events?: OutboxEvent[]): Promise<void>

  /** Appends an audit entry on its own (for actions that change nothing else). */
  appendAudit (entry: AuditEntry): Promise<void>
  /**
   * Newest first (by time, then order of writing, then tenant id), across all tenants when `tenant` is unset;
   * paginated with an opaque cursor. Entries older than the audit retention are trimmed when a tenant's log is
   * written, and a log expires the retention after its last entry.
   */
  listAudit (options: ListAuditOptions): Promise<Page<AuditEntry>>

  /** Sets (or, with null, clears) when a tenant's periodic rotation is next due, epoch ms. */
  setRotationDue (tenantId: string, dueAt: number | null): Promise<void>
  /** Tenant ids whose rotation is due at `now`, at most `limit`. */
  listDueRotations (now: number, limit: number): Promise<string[]>

  /**
   * Merges what an instance saw of verifiers since its last flush (fetches added, first/last seen widened, the
   * kids of the latest JWKS document kept), then drops each tenant's least recently seen verifiers beyond `max`.
   * Tenants that do not exist are skipped. One round trip (pipelined), no version bump, no audit entry: verifier
   * records are not part of the keyring. Returns each written tenant's number of verifiers.
   */
  recordVerifiers (fetches: VerifierFetch[], max: number): Promise<Map<string, number>>
  /** Every verifier kept for a tenant (at most VERIFIERS_MAX), in no particular order. */
  getVerifiers (tenantId: string): Promise<VerifierRecord[]>
  /**
   * Moves a key's activateAt (postponement or release of a gated activation) with its audit entry, in one atomic
   * step that bumps the version. Returns false, writing nothing, when the key no longer matches `expectedActivateAt`
   * (another instance acted first), is revoked, or was settled. KEY_NOT_FOUND if the kid does not exist.
   */
  moveActivation (tenantId: string, move: MoveActivation, audit: AuditEntry, events?: OutboxEvent[]): Promise<boolean>
  /** Sets (or, with null, clears) when the activation gate next looks at a tenant's gated keys, epoch ms. */
  setGateDue (tenantId: string, dueAt: number | null): Promise<void>
  /** Tenant ids whose gated keys are due for a look at `now`, at most `limit`. */
  listDueGates (now: number, limit: number): Promise<string[]>

  /** Subscribes to changes made by any instance (this one included). Returns an unsubscribe function. */
  onChange (listener: ChangeListener): () => void

  /**
   * Subscribes to errors of the connection that carries the commands (refused or lost, failed reconnects); the
   * store keeps reconnecting by itself. Returns an unsubscribe function. A store without a connection never calls it.
   */
  onConnectionError (listener: (err: Error) => void): () => void

  /** A rate counter on this store; see RateCounter. It needs no closing: it ends with the store. */
  openRateCounter (options: RateCounterOptions): RateCounter

  /** The outbox's reading side, webhooks and deliveries, on the same connection. */
  readonly eventStore: EventStore

  close (): Promise<void>

  // Access control. Its records belong to no tenant: their audit entries have tenant '' and their changes are
  // announced as tenant '' on the change channel, which is how every instance forgets a deleted credential.

  /** Stores a credential with its audit entry, in one atomic step. */
  putCredential (record: CredentialRecord, audit: AuditEntry): Promise<void>
  getCredential (id: string): Promise<CredentialRecord | undefined>
  /** Every credential by creation, with when it was last used (null: never). */
  listCredentials (): Promise<Array<CredentialRecord & { lastUsedAt: number | null }>>
  /** Removes a credential with its audit entry, in one atomic step; CREDENTIAL_NOT_FOUND if there is none. */
  deleteCredential (id: string, audit: AuditEntry): Promise<void>
  /** Records a use of the credential (no audit entry, no change notice); nothing for a deleted one. */
  touchCredential (id: string, at: number): Promise<void>
  /** Stores a session for `ttlMs` (its lifetime; the record's expiresAt is checked by whoever reads it). */
  putSession (record: SessionRecord, ttlMs: number): Promise<void>
  getSession (id: string): Promise<SessionRecord | undefined>
  /** Ends a session on every instance (a change notice). */
  deleteSession (id: string): Promise<void>
  /** The sealed secret stored under `name`, created with `create` by the first instance that asks (create-if-absent). */
  sharedSecret (name: string, create: () => string): Promise<string>
  /** Counts one failure of `key` in a fixed window of `windowMs` (the first failure starts it). */
  countFailure (key: string, windowMs: number): Promise<RateCount>
  /** The failures of `key` in its current window (current 0 when there is none). */
  failures (key: string): Promise<RateCount>
}
