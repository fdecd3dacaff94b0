// Operator actions on tenants, keys, API keys and rotation: validation, key material, then one atomic store write each.
import { apiKeyView, auditView, keyViews, tenantView } from './admin-views.js'
import { createApiKey } from './api-keys.js'
import type { Config } from './config.js'
import type { Sealer } from './crypto/envelope.js'
import { TokenmintError, invalid } from './errors.js'
import { parse as parseDuration } from '@lukeed/ms'
import type { KeyGenerator, KeyMaterial } from './keys/generate.js'
import { importedSecretWarnings, importPrivateKeyPem, importSecret } from './keys/import.js'
import { deriveKeyring } from './keys/key-state.js'
import { checkPeriodSeconds, checkRotationEvery, duePeriod, periodActivateAt, retireAfterMs, rotationDueAt } from './keys/policy.js'
import { getProfile, resolveTenantSettings } from './profiles/index.js'
import { TENANT_ID_PATTERN } from './schemas/common.js'
import type { ApiKeyCreated, ApiKeyView, AuditView, KeyCreate, KeyCreated, KeyRevoked, KeyRotated, KeyView, RotateInput } from './schemas/keys.js'
import type { RotationInput, TenantCreate, TenantPatch, TenantView } from './schemas/tenant.js'
import type { AppendKeyOptions, ListAuditOptions, Store } from './store/store.js'
import { decodeCursor, encodeCursor } from './store/common.js'
import { parseTime } from './time.js'
import { GATE_LOOKAHEAD_MS, gateOf, verifierCounts } from './verifiers/propagation.js'
import { keyData, newEvent, type EventType, type OutboxEvent } from './webhooks/events.js'
import type { Alg, AuditEntry, Clock, JsonObject, KeyVersion, Page, ProfileName, RateLimitPolicy, RotationPolicy, Tenant, TenantSnapshot } from './types.js'

const TENANT_ID = new RegExp(TENANT_ID_PATTERN)
export const DEFAULT_RATE_LIMIT: RateLimitPolicy = { max: 6000, timeWindow: '1 minute' }

/** Who did it and from where, for the audit log. */
export interface Actor {
  actor: string
  /** The actor in words, as the audit log shows it (actorName). */
  actorName?: string
  ip: string
}

/** The audit entry of an action by `who` at `at` (tenant '' for actions on no tenant: credentials, webhooks). */
export function auditEntry (who: Actor, at: number, action: string, tenant: string, kid?: string): AuditEntry {
  const entry: AuditEntry = { at, actor: who.actor, action, tenant, ip: who.ip }
  if (who.actorName !== undefined) entry.actorName = who.actorName
  if (kid !== undefined) entry.kid = kid
  return entry
}

export interface AdminServiceOptions {
  store: Store
  sealer: Sealer
  config: Pick<Config, 'jwksMaxAge' | 'rotationTickMs' | 'rotationMinPeriod' | 'keyringMaxRetired' | 'verifierWindow'>
  clock: Clock
  /** Makes new key material (the app's KeygenPool makes RSA pairs off the signing threadpool). */
  keygen: KeyGenerator
  /** Called for operator-visible warnings (e.g. a short prepublish). */
  warn?: (message: string, fields: JsonObject) => void
}

export class AdminService {
  private readonly store: Store
  private readonly sealer: Sealer
  private readonly clock: Clock
  private readonly keygen: KeyGenerator
  private readonly jwksMaxAge: number
  private readonly tickMs: number
  private readonly rotationMinPeriod: number
  private readonly keyringMaxRetired: number
  private readonly verifierWindowMs: number
  private readonly warn: (message: string, fields: JsonObject) => void

  constructor (options: AdminServiceOptions) {
    this.store = options.store
    this.sealer = options.sealer
    this.clock = options.clock
    this.keygen = options.keygen
    this.jwksMaxAge = options.config.jwksMaxAge
    this.tickMs = options.config.rotationTickMs
    this.rotationMinPeriod = options.config.rotationMinPeriod
    this.keyringMaxRetired = options.config.keyringMaxRetired
    this.verifierWindowMs = options.config.verifierWindow * 1000
    this.warn = options.warn ?? (() => {})
  }

  private audit (who: Actor, action: string, tenant: string, kid?: string): AuditEntry {
    return auditEntry(who, this.clock(), action, tenant, kid)
  }

  /** An event of an operator action: its tenant, the actor and `data`; appended by the store in the write itself. */
  private event (type: EventType, who: Actor, tenant: string, data: Record<string, string | null> = {}): OutboxEvent {
    return newEvent(type, tenant, this.clock(), { ...data, actor: who.actor })
  }

  /**
   * A write that changes the keyring's times. The store files the tenant in the key-time index with the write itself;
   * marking it again after the write makes a scan that read the keyring just before it fail to file the tenant past
   * its new times. That second mark is not waited for: the write is done, and the scanner's next tick finds either.
   */
  private async keyringWrite<T> (tenantId: string, write: () => Promise<T>): Promise<T> {
    const result = await write()
    this.store.eventStore.markKeyTimes(tenantId, this.clock()).catch(() => {})
    return result
  }

  private async snapshot (tenantId: string): Promise<TenantSnapshot> {
    const snapshot = await this.store.getSnapshot(tenantId)
    if (snapshot === undefined) throw new TokenmintError('TENANT_NOT_FOUND', `tenant ${tenantId} does not exist`)
    return snapshot
  }

  /** Seals key material into a stored key version. */
  private keyVersion (tenantId: string, material: KeyMaterial, source: KeyVersion['source'], publishAt: number, activateAt: number): KeyVersion {
    const key: KeyVersion = {
      kid: material.kid,
      alg: material.alg,
      source,
      createdAt: this.clock(),
      publishAt,
      activateAt,
      sealed: this.sealer.seal(material.secret, { tenant: tenantId, kid: material.kid })
    }
    if (material.publicJwk !== undefined) key.publicJwk = material.publicJwk
    return key
  }

  private settings (input: TenantCreate | (TenantPatch & { profile: ProfileName })): Pick<Tenant, 'alg' | 'profileOptions' | 'tokenPolicy'> {
    return resolveTenantSettings({
      profile: input.profile,
      profileOptions: input.profileOptions,
      alg: input.alg,
      tokenPolicy: input.tokenPolicy,
      claimsSchema: input.claimsSchema,
      staticClaims: input.staticClaims
    })
  }

  /** A tenant's rate limit: its window is at least 1 s (a shorter one would make the limit meaningless and the counters churn). */
  private rateLimit (input: RateLimitPolicy | undefined, fallback: RateLimitPolicy): RateLimitPolicy {
    if (input === undefined) return fallback
    const windowMs = typeof input.timeWindow === 'number' ? input.timeWindow : parseDuration(input.timeWindow.trim())
    if (windowMs === undefined || !Number.isFinite(windowMs) || windowMs < 1000) throw invalid('/rateLimit/timeWindow', 'must be at least 1 s (1000 ms)')
    return input
  }

  /**
   * Keyring pruning, written with the next key appended: the retired keys beyond the newest `KEYRING_MAX_RETIRED`
   * (by the time they retired) are destroyed, material included, each with its own audit entry.
   */
  private pruning (snapshot: TenantSnapshot, who: Actor): NonNullable<AppendKeyOptions['destroy']> {
    const now = this.clock()
    const retired = deriveKeyring(snapshot.keys, now, retireAfterMs(snapshot.tenant.tokenPolicy, this.jwksMaxAge)).statuses
      .filter(status => status.state === 'retired')
      .sort((a, b) => (b.retiresAt ?? 0) - (a.retiresAt ?? 0))
    return retired.slice(this.keyringMaxRetired)
      .map(status => ({ kid: status.key.kid, audit: this.audit(who, 'key.destroy', snapshot.tenant.id, status.key.kid) }))
  }

  private rotationPolicy (input: RotationInput, anchor: number, alg: Alg): { policy: RotationPolicy, warnings: string[] } {
    checkRotationEvery(input.every, this.rotationMinPeriod)
    const prepublish = checkPeriodSeconds(input.prepublish ?? this.jwksMaxAge, '/prepublish', 0)
    if (prepublish >= input.every) throw invalid('/prepublish', 'must be shorter than the rotation period')
    // A symmetric key is never published, so the lead time means nothing to verifiers; its secret is what they lack.
    const warnings = alg === 'HS256'
      ? ['the tenant signs with HS256: each periodic version is a new generated secret that is never shown, so the platform ' +
          'cannot verify the tokens it signs; rotate HS256 keys with POST .../keys/rotate, which returns the secret once']
      : this.prepublishWarnings(prepublish)
    const policy: RotationPolicy = { every: input.every, prepublish, anchor }
    const maxDelay = gateOf(input, alg)
    if (maxDelay !== undefined) Object.assign(policy, { waitForVerifiers: true, maxDelay })
    return { policy, warnings }
  }

  /** A gated key (activateBy set, maxDelay after its activation time) is watched from the gate's lookahead before its activateAt. */
  private async gate (tenantId: string, key: KeyVersion): Promise<void> {
    if (key.activateBy === undefined) return
    await this.store.setGateDue(tenantId, key.activateAt - GATE_LOOKAHEAD_MS)
  }

  private prepublishWarnings (leadSeconds: number): string[] {
    if (leadSeconds >= this.jwksMaxAge) return []
    return [`the new key is published ${leadSeconds} s before it signs, less than the JWKS max-age of ${this.jwksMaxAge} s: ` +
      'verifiers that cached the JWKS in between and do not refetch on an unknown kid may reject its first tokens']
  }

  async createTenant (input: TenantCreate, who: Actor): Promise<{ tenant: TenantView, initialSecret?: string, warnings: string[] }> {
    if (!TENANT_ID.test(input.id)) throw invalid('/id', `must match ${TENANT_ID_PATTERN}`)
    getProfile(input.profile)
    const now = this.clock()
    const settings = this.settings(input)
    const tenant: Tenant = {
      id: input.id,
      name: input.name,
      profile: input.profile,
      ...settings,
      rateLimit: this.rateLimit(input.rateLimit, DEFAULT_RATE_LIMIT),
      createdAt: now,
      updatedAt: now
    }
    if (input.claimsSchema !== undefined) tenant.claimsSchema = input.claimsSchema
    if (input.staticClaims !== undefined) tenant.staticClaims = input.staticClaims
    let warnings: string[] = []
    if (input.rotation !== undefined) {
      const rotation = this.rotationPolicy(input.rotation, now, tenant.alg)
      tenant.rotation = rotation.policy
      warnings = rotation.warnings
    }
    let firstKey: KeyVersion | undefined
    let initialSecret: string | undefined
    if (input.generateKey !== false) {
      const material = await this.keygen.generate(tenant.alg)
      firstKey = this.keyVersion(tenant.id, material, 'generated', now, now)
      if (material.alg === 'HS256') initialSecret = material.secret
    }
    const events = [this.event('tenant.created', who, tenant.id)]
    if (firstKey !== undefined) events.push(this.event('key.created', who, tenant.id, keyData(firstKey)))
    const version = await this.keyringWrite(tenant.id, async () =>
      await this.store.createTenant(tenant, firstKey, this.audit(who, 'tenant.create', tenant.id, firstKey?.kid), events))
    if (tenant.rotation !== undefined) await this.store.setRotationDue(tenant.id, rotationDueAt(tenant.rotation, 1))
    const snapshot: TenantSnapshot = { tenant, keys: firstKey === undefined ? [] : [firstKey], apiKeys: [], version }
    const out: { tenant: TenantView, initialSecret?: string, warnings: string[] } = { tenant: tenantView(snapshot, this.jwksMaxAge, now), warnings }
    if (initialSecret !== undefined) out.initialSecret = initialSecret
    return out
  }

  async getTenant (tenantId: string): Promise<TenantView> {
    return tenantView(await this.snapshot(tenantId), this.jwksMaxAge, this.clock())
  }

  /** Tenants by id; with `scope` (a tenant-admin's tenants), only those that exist among them. */
  async listTenants (cursor: string | undefined, limit: number, scope: readonly string[] | null = null): Promise<Page<TenantView>> {
    const page = scope === null ? await this.store.listTenants({ cursor, limit }) : await this.scopedTenants(scope, cursor, limit)
    const now = this.clock()
    // The list carries tenant records only; the active key is shown on the single-tenant read.
    return {
      items: page.items.map(tenant => tenantView({ tenant, keys: [], apiKeys: [], version: 0 }, this.jwksMaxAge, now)),
      nextCursor: page.nextCursor
    }
  }

  private async scopedTenants (scope: readonly string[], cursor: string | undefined, limit: number): Promise<Page<Tenant>> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor)
    const ids = [...new Set(scope)].filter(id => after === undefined || id > after).sort()
    const items: Tenant[] = []
    for (const id of ids) {
      const snapshot = await this.store.getSnapshot(id)
      if (snapshot === undefined) continue
      if (items.length === limit) return { items, nextCursor: encodeCursor(items[items.length - 1].id) }
      items.push(snapshot.tenant)
    }
    return { items, nextCursor: null }
  }

  async patchTenant (tenantId: string, patch: TenantPatch, who: Actor): Promise<TenantView> {
    const snapshot = await this.snapshot(tenantId)
    const current = snapshot.tenant
    const merged = {
      profile: current.profile,
      profileOptions: patch.profileOptions ?? current.profileOptions,
      alg: patch.alg ?? current.alg,
      tokenPolicy: { ...current.tokenPolicy, ...patch.tokenPolicy },
      claimsSchema: patch.claimsSchema ?? current.claimsSchema,
      staticClaims: patch.staticClaims ?? current.staticClaims
    }
    const settings = this.settings(merged)
    const tenant: Tenant = {
      ...current,
      ...settings,
      name: patch.name ?? current.name,
      rateLimit: this.rateLimit(patch.rateLimit, current.rateLimit),
      updatedAt: this.clock()
    }
    if (merged.claimsSchema !== undefined) tenant.claimsSchema = merged.claimsSchema
    if (merged.staticClaims !== undefined) tenant.staticClaims = merged.staticClaims
    const version = await this.store.updateTenant(tenant, snapshot.version, this.audit(who, 'tenant.update', tenantId), [this.event('tenant.updated', who, tenantId)])
    return tenantView({ ...snapshot, tenant, version }, this.jwksMaxAge, this.clock())
  }

  async deleteTenant (tenantId: string, who: Actor): Promise<void> {
    await this.store.deleteTenant(tenantId, this.audit(who, 'tenant.delete', tenantId), [this.event('tenant.deleted', who, tenantId)])
    await this.store.setRotationDue(tenantId, null)
  }

  async createApiKey (tenantId: string, name: string, who: Actor): Promise<ApiKeyCreated> {
    await this.snapshot(tenantId)
    const { record, apiKey } = createApiKey(tenantId, name, this.clock())
    await this.store.putApiKey(record, this.audit(who, 'api-key.create', tenantId), [this.event('apikey.created', who, tenantId, { apiKeyId: record.id })])
    return { ...apiKeyView(record), apiKey }
  }

  async listApiKeys (tenantId: string): Promise<ApiKeyView[]> {
    const snapshot = await this.snapshot(tenantId)
    return snapshot.apiKeys.filter(record => record.deletedAt === undefined).map(apiKeyView)
  }

  /** Keeps a tombstone so the deleted key is told apart from a forged one (403, not 401). */
  async deleteApiKey (tenantId: string, id: string, who: Actor): Promise<void> {
    const record = await this.store.getApiKey(tenantId, id)
    if (record === undefined || record.deletedAt !== undefined) throw new TokenmintError('API_KEY_NOT_FOUND', `API key ${id} does not exist`)
    await this.store.putApiKey({ ...record, deletedAt: this.clock() }, this.audit(who, 'api-key.delete', tenantId), [this.event('apikey.deleted', who, tenantId, { apiKeyId: id })])
  }

  async listKeys (tenantId: string): Promise<KeyView[]> {
    const snapshot = await this.snapshot(tenantId)
    const now = this.clock()
    const views = keyViews(snapshot.keys, snapshot.tenant.tokenPolicy, this.jwksMaxAge, now)
    if (!views.some(view => view.alg !== 'HS256')) return views
    const verifiers = await this.store.getVerifiers(tenantId)
    return views.map(view => view.alg === 'HS256' ? view : { ...view, verifiers: verifierCounts(verifiers, view.kid, now, this.verifierWindowMs) })
  }

  private async material (tenant: Tenant, input: KeyCreate): Promise<{ material: KeyMaterial, source: KeyVersion['source'] }> {
    if (input.alg === 'none') throw invalid('/alg', 'none is never accepted')
    if (input.privateKeyPem !== undefined) {
      if (input.secret !== undefined) throw invalid('/secret', 'give either secret or privateKeyPem')
      return { material: importPrivateKeyPem({ privateKeyPem: input.privateKeyPem, alg: input.alg, kid: input.kid }), source: 'imported' }
    }
    if (input.secret !== undefined || input.kid !== undefined) {
      if (input.alg !== undefined && input.alg !== 'HS256') throw invalid('/alg', 'a secret is only for HS256')
      if (input.secret === undefined) throw invalid('/secret', 'is required to import an HS256 key')
      if (input.kid === undefined) throw invalid('/kid', 'is required to import an HS256 secret (use the kid from the platform dashboard)')
      return { material: importSecret({ kid: input.kid, secret: input.secret }), source: 'imported' }
    }
    const alg = input.alg ?? tenant.alg
    return { material: await this.keygen.generate(this.allowedAlg(tenant, alg), { modulusLength: input.modulusLength }), source: 'generated' }
  }

  private allowedAlg (tenant: Tenant, alg: string): Alg {
    const allowed: readonly string[] = getProfile(tenant.profile).algs
    if (!allowed.includes(alg)) throw invalid('/alg', `must be one of ${allowed.join(', ')} for the ${tenant.profile} profile`)
    return alg as Alg
  }

  /** Generates or imports a key version; it activates at `activateAt` (default now) and is published at once. */
  async addKey (tenantId: string, input: KeyCreate, who: Actor): Promise<KeyCreated> {
    const snapshot = await this.snapshot(tenantId)
    const now = this.clock()
    // A past activateAt would backdate the handover and cut the previous key's retiring window short: it means now.
    const activateAt = input.activateAt === undefined ? now : Math.max(now, parseTime(input.activateAt, '/activateAt'))
    const { material, source } = await this.material(snapshot.tenant, input)
    this.allowedAlg(snapshot.tenant, material.alg)
    if (snapshot.keys.some(key => key.kid === material.kid)) throw invalid('/kid', `kid ${material.kid} is already used by this tenant`, 'KID_EXISTS')
    const key = this.keyVersion(tenantId, material, source, Math.min(now, activateAt), activateAt)
    await this.keyringWrite(tenantId, async () => await this.store.appendKey(tenantId, key, this.audit(who, source === 'generated' ? 'key.generate' : 'key.import', tenantId, key.kid), {
      destroy: this.pruning(snapshot, who),
      events: [this.event('key.created', who, tenantId, keyData(key))]
    }))
    const out: KeyCreated = { key: this.keyViewOf(snapshot, key) }
    if (source === 'generated' && material.alg === 'HS256') out.secret = material.secret
    if (source === 'imported' && material.alg === 'HS256') out.warnings = importedSecretWarnings(material.secret)
    return out
  }

  private keyViewOf (snapshot: TenantSnapshot, key: KeyVersion): KeyView {
    const views = keyViews([...snapshot.keys, key], snapshot.tenant.tokenPolicy, this.jwksMaxAge, this.clock())
    return views.find(view => view.kid === key.kid) as KeyView
  }

  /**
   * Schedules a new generated version active at `at`, published `prepublish` seconds before.
   * Without `at`, an asymmetric key activates once the default prepublish has passed, so every
   * verifier's cache can know it before its first token; HS256 keys are never published and activate now.
   * With `revokeActive`, the emergency rotation: the new key is active at once and the key active now is
   * revoked, in the same atomic write (and the same audit step).
   */
  async rotate (tenantId: string, input: RotateInput, who: Actor): Promise<KeyRotated> {
    const snapshot = await this.snapshot(tenantId)
    const now = this.clock()
    const prepublish = checkPeriodSeconds(input.prepublish ?? this.jwksMaxAge, '/prepublish', 0)
    const symmetric = snapshot.tenant.alg === 'HS256'
    const emergency = input.revokeActive === true
    if (emergency && input.at !== undefined) throw invalid('/at', 'cannot be combined with revokeActive: the new key is active at once')
    if (emergency && input.waitForVerifiers === true) throw invalid('/waitForVerifiers', 'cannot be combined with revokeActive: the new key is active at once')
    const maxDelay = gateOf(input, snapshot.tenant.alg)
    const at = input.at === undefined ? now + (symmetric || emergency ? 0 : prepublish * 1000) : parseTime(input.at, '/at')
    if (at < now - 1000) throw invalid('/at', 'must not be in the past')
    const publishAt = Math.max(Math.min(now, at), at - prepublish * 1000)
    const material = await this.keygen.generate(snapshot.tenant.alg)
    const key = this.keyVersion(tenantId, material, 'generated', publishAt, Math.max(at, now))
    if (maxDelay !== undefined && maxDelay > 0) key.activateBy = key.activateAt + maxDelay * 1000
    const warnings = symmetric ? [] : this.prepublishWarnings(Math.floor((key.activateAt - Math.max(publishAt, now)) / 1000))
    if (warnings.length > 0) this.warn('short prepublish', { tenant: tenantId, kid: key.kid, prepublish })
    const options: AppendKeyOptions = { destroy: this.pruning(snapshot, who), events: [this.event('key.created', who, tenantId, keyData(key))] }
    const revoked = emergency
      ? deriveKeyring(snapshot.keys, now, retireAfterMs(snapshot.tenant.tokenPolicy, this.jwksMaxAge)).activeKey?.kid ?? null
      : undefined
    if (revoked !== undefined && revoked !== null) {
      options.revoke = { kid: revoked, revokedAt: key.activateAt, audit: this.audit(who, 'key.revoke', tenantId, revoked) }
      const revokedKey = snapshot.keys.find(k => k.kid === revoked) as KeyVersion
      options.events?.push(this.event('key.revoked', who, tenantId, keyData({ ...revokedKey, revokedAt: key.activateAt })))
    }
    await this.keyringWrite(tenantId, async () => await this.store.appendKey(tenantId, key, this.audit(who, 'key.rotate', tenantId, key.kid), options))
    await this.gate(tenantId, key)
    const destroyed = new Set(options.destroy?.map(d => d.kid))
    const keys = snapshot.keys.filter(k => !destroyed.has(k.kid))
      .map(k => k.kid === revoked && k.revokedAt === undefined ? { ...k, revokedAt: key.activateAt } : k)
    const out: KeyRotated = { key: this.keyViewOf({ ...snapshot, keys }, key), warnings }
    if (symmetric) out.secret = material.secret
    if (revoked !== undefined) out.revoked = revoked
    return out
  }

  async revokeKey (tenantId: string, kid: string, who: Actor): Promise<KeyRevoked> {
    const snapshot = await this.snapshot(tenantId)
    const target = snapshot.keys.find(key => key.kid === kid)
    if (target === undefined) throw new TokenmintError('KEY_NOT_FOUND', `key ${kid} does not exist`)
    const at = this.clock()
    const revokedAt = await this.keyringWrite(tenantId, async () =>
      await this.store.revokeKey(tenantId, kid, at, this.audit(who, 'key.revoke', tenantId, kid), [this.event('key.revoked', who, tenantId, keyData({ ...target, revokedAt: at }))]))
    const keys = snapshot.keys.map(key => key.kid === kid ? { ...key, revokedAt } : key)
    const now = this.clock()
    const views = keyViews(keys, snapshot.tenant.tokenPolicy, this.jwksMaxAge, now)
    const active = views.find(view => view.state === 'active')
    return { key: views.find(view => view.kid === kid) as KeyView, activeKid: active?.kid ?? null }
  }

  async setRotation (tenantId: string, input: RotationInput, who: Actor): Promise<{ tenant: TenantView, warnings: string[] }> {
    const snapshot = await this.snapshot(tenantId)
    const now = this.clock()
    const { policy, warnings } = this.rotationPolicy(input, now, snapshot.tenant.alg)
    const tenant: Tenant = { ...snapshot.tenant, rotation: policy, updatedAt: now }
    const version = await this.store.updateTenant(tenant, snapshot.version, this.audit(who, 'rotation.set', tenantId),
      [this.event('rotation.updated', who, tenantId, { every: String(policy.every), prepublish: String(policy.prepublish) })])
    await this.store.setRotationDue(tenantId, rotationDueAt(policy, 1))
    return { tenant: tenantView({ ...snapshot, tenant, version }, this.jwksMaxAge, now), warnings }
  }

  async clearRotation (tenantId: string, who: Actor): Promise<void> {
    const snapshot = await this.snapshot(tenantId)
    const { rotation: _dropped, ...rest } = snapshot.tenant
    await this.store.updateTenant({ ...rest, updatedAt: this.clock() }, snapshot.version, this.audit(who, 'rotation.clear', tenantId),
      [this.event('rotation.updated', who, tenantId, { every: null, prepublish: null })])
    await this.store.setRotationDue(tenantId, null)
  }

  /**
   * One periodic-rotation step for a due tenant: creates the key of the current period unless
   * another instance already did (atomic create-if-absent), then moves the due index on.
   * A period missed while everything was down gives one catch-up version, not a burst.
   */
  async rotateIfDue (tenantId: string): Promise<boolean> {
    const snapshot = await this.store.getSnapshot(tenantId)
    const policy = snapshot?.tenant.rotation
    if (snapshot === undefined || policy === undefined) {
      await this.store.setRotationDue(tenantId, null)
      return false
    }
    const now = this.clock()
    const period = duePeriod(policy, now)
    let created = false
    if (period >= 1) {
      // Late by more than a couple of ticks is a catch-up.
      const activateAt = periodActivateAt(policy, period, now, 2 * this.tickMs)
      const material = await this.keygen.generate(snapshot.tenant.alg)
      const key = this.keyVersion(tenantId, material, 'generated', activateAt - policy.prepublish * 1000, activateAt)
      const maxDelay = policy.waitForVerifiers === true ? policy.maxDelay ?? 0 : 0
      if (maxDelay > 0) key.activateBy = activateAt + maxDelay * 1000
      const scheduler: Actor = { actor: 'scheduler', ip: '' }
      created = await this.keyringWrite(tenantId, async () => await this.store.appendKey(tenantId, key, this.audit(scheduler, 'key.rotate', tenantId, key.kid), {
        destroy: this.pruning(snapshot, scheduler),
        events: [this.event('key.created', scheduler, tenantId, keyData(key))],
        once: `rotation:${policy.anchor}:${period}`,
        onceTtlMs: Math.max(4 * policy.every * 1000, 3_600_000)
      }))
      if (created) await this.gate(tenantId, key)
    }
    await this.store.setRotationDue(tenantId, rotationDueAt(policy, Math.max(period, 0) + 1))
    return created
  }

  /** One page of the audit log, newest first; `since` is ISO 8601 or Unix seconds. */
  async listAudit (query: { tenant?: string, actor?: string, since?: string | number, cursor?: string, limit: number }, scope: readonly string[] | null = null): Promise<Page<AuditView>> {
    const options: ListAuditOptions = { tenant: query.tenant, actor: query.actor, cursor: query.cursor, limit: query.limit }
    if (scope !== null) options.tenants = scope
    if (query.since !== undefined) options.since = parseTime(query.since, '/since')
    const page = await this.store.listAudit(options)
    return { items: page.items.map(auditView), nextCursor: page.nextCursor }
  }
}
