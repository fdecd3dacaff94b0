// The Redis store of record: per-tenant hash-tagged keys, one Lua script per write, pub/sub change notices.
import { EventEmitter, once } from 'node:events'
import { TokenmintError, invalid, storeUnavailable, type ErrorCode } from '../errors.js'
import type { CredentialRecord } from '../access/credentials.js'
import type { SessionRecord } from '../access/sessions.js'
import type { ApiKeyRecord, AuditEntry, KeyVersion, Page, Tenant, TenantSnapshot, VerifierFetch, VerifierRecord } from '../types.js'
import { whenReady, type RedisClient } from './redis-client.js'
import { RedisRateCounter } from './redis-rate-counter.js'
import type { RateCount, RateCounter, RateCounterOptions } from './rate-counter.js'
import { SCRIPTS, type ScriptName } from './redis-scripts.js'
import { RedisEventStore } from './redis-event-store.js'
import type { OutboxEvent } from '../webhooks/events.js'
import { replicatedCall, type RedisArgument, type ReplicationOptions } from './replicated-write.js'
import { AUDIT_BUCKET_MS, DEFAULT_AUDIT_RETENTION_MS, DEFAULT_ONCE_TTL_MS, auditBefore, byCreation, decodeAuditCursor, decodeCursor, encodeAuditCursor, encodeCursor, newestAuditFirst, type AuditPosition } from './common.js'
import type { AppendKeyOptions, ChangeListener, ListAuditOptions, ListTenantsOptions, MoveActivation, Store } from './store.js'

export interface RedisStoreOptions {
  /** Carries every command (rate counts included); also exposed as `redis` to tests that inject faults. */
  client: RedisClient
  /** A second connection, used only for SUBSCRIBE. */
  subscriber: RedisClient
  /** Namespace of every key and of the change channel, e.g. "tm:". */
  prefix: string
  /** Replicas that must hold an admin write before it succeeds (REDIS_MIN_REPLICAS); none by default. */
  replication?: ReplicationOptions
  /** How long audit entries are kept, ms (default 365 days). */
  auditRetentionMs?: number
}

const DOMAIN_ERRORS: Partial<Record<ErrorCode, string>> = {
  TENANT_EXISTS: 'the tenant already exists',
  TENANT_NOT_FOUND: 'the tenant does not exist',
  KID_EXISTS: 'the tenant already has a key with this kid',
  KEY_NOT_FOUND: 'the tenant has no key with this kid',
  API_KEY_NOT_FOUND: 'the tenant has no API key with this id',
  CREDENTIAL_NOT_FOUND: 'there is no credential with this id',
  CONFLICT: 'the tenant was changed by someone else; read it again',
  WEBHOOK_NOT_FOUND: 'the webhook does not exist',
  DELIVERY_NOT_FOUND: 'the webhook has no delivery with this id'
}

/**
 * Maps a client failure to a TokenmintError: domain error replies of the scripts keep their code (and message),
 * everything else (connection lost, timeout, offline, cluster down, a failing audit write) is
 * STORE_UNAVAILABLE. The cause keeps only name and message: ioredis attaches the command arguments
 * to its errors, and those hold sealed key material and API key hashes.
 */
function storeError (err: unknown): TokenmintError {
  if (err instanceof TokenmintError) return err
  const message = err instanceof Error ? err.message : String(err)
  // Redis 7 prefixes a code-less error_reply with "ERR "; the script's word follows, then its own message if it
  // gives one (a code shared by several scripts, such as CONFLICT), else the code's message here.
  const reply = /^(?:ERR )?([A-Z_]+)(?: (.+))?$/s.exec(message)
  const word = reply?.[1] as ErrorCode | undefined
  const domain = word === undefined ? undefined : DOMAIN_ERRORS[word]
  if (word !== undefined && domain !== undefined) return new TokenmintError(word, reply?.[2] ?? domain)
  const cause = new Error(message)
  cause.name = err instanceof Error ? err.name : 'Error'
  return storeUnavailable(cause)
}

async function guarded<T> (operation: Promise<T>): Promise<T> {
  try {
    return await operation
  } catch (err) {
    throw storeError(err)
  }
}

function parseRecord<T> (json: string): T {
  try {
    return JSON.parse(json) as T
  } catch (err) {
    throw new TokenmintError('INTERNAL', 'a stored record is not valid JSON', { cause: err })
  }
}

type OrderedKey = KeyVersion & { _n?: number }

/** Keys in the order they were appended (the script numbers them), without the position field. */
function keyring (records: string[]): KeyVersion[] {
  return records.map(json => parseRecord<OrderedKey>(json))
    .sort((a, b) => (a._n ?? 0) - (b._n ?? 0))
    .map(({ _n, ...key }) => key)
}

type StreamEntry = [id: string, fields: string[]]

function auditEntry (fields: string[]): AuditEntry {
  const map = new Map<string, string>()
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1])
  const kid = map.get('kid')
  return {
    at: Number(map.get('at')),
    actor: map.get('actor') ?? '',
    ...(map.has('actorName') ? { actorName: map.get('actorName') } : {}),
    action: map.get('action') ?? '',
    tenant: map.get('tenant') ?? '',
    ...(kid === undefined ? {} : { kid }),
    ip: map.get('ip') ?? ''
  }
}

/** An audit entry as the scripts' tm_audit_json takes it: every value a string. */
function auditJson (entry: AuditEntry): Record<string, string> {
  const out: Record<string, string> = { at: String(entry.at), actor: entry.actor, action: entry.action, tenant: entry.tenant, ip: entry.ip }
  if (entry.kid !== undefined) out.kid = entry.kid
  if (entry.actorName !== undefined) out.actorName = entry.actorName
  return out
}

/** The scripts' actor argument: the actor, then its name after a newline when it has one (see redis-scripts.ts). */
function actorArgument (entry: AuditEntry): string {
  return entry.actorName === undefined ? entry.actor : `${entry.actor}\n${entry.actorName}`
}

/** A stream entry with its place in the log: its id "ms-seq" and its tenant. */
function logged (tenant: string, [id, fields]: StreamEntry): AuditPosition & { entry: AuditEntry } {
  const [ms, seq] = id.split('-').map(Number)
  return { ms, seq, tenant, entry: auditEntry(fields) }
}

async function quit (client: RedisClient): Promise<void> {
  if (client.status === 'end') return
  try {
    await client.quit()
  } catch {
    client.disconnect()
  }
}

type ScriptCommand = (...args: Array<string | number>) => Promise<unknown>
/** What durable() runs: a write script, or one of these write commands. */
type DurableCommand = ScriptName | 'zadd' | 'zrem' | 'set'

/**
 * Built with `new RedisStore({ client, subscriber, prefix })` from two clients made by createRedisClient.
 * The constructor does no I/O and works while Redis is down; `connected()` resolves once the main
 * client is ready and the change subscription is active (tests and start-up checks use it).
 * The store owns both clients: close() quits them.
 *
 * Keys (each tenant hash-tagged, so a tenant's keys share one cluster slot):
 *   {prefix}{t:ID}:tenant  JSON Tenant            {prefix}{t:ID}:ver      integer version (kept on delete)
 *   {prefix}{t:ID}:keys    hash kid → JSON key    {prefix}{t:ID}:apikeys  hash id → JSON ApiKeyRecord
 *   {prefix}{t:ID}:audit   stream (kept on delete) {prefix}{t:ID}:once:M  create-if-absent marker (PX)
 *   {prefix}tenants        sorted set of ids      {prefix}audit-hours     sorted set of hours with audit entries
 *   {prefix}audit-hour:H   set of tenant ids with audit entries in hour H (epoch ms / 3,600,000), expires with the log
 *   {prefix}rotation-due   sorted set id → due ms {prefix}changes         pub/sub channel, "ID VERSION"
 *   {prefix}{t:ID}:verifiers hash id → JSON VerifierRecord   {prefix}{t:ID}:verifiers-seen sorted set id → lastSeen
 *   {prefix}activation-gates sorted set id → ms when the activation gate next looks at the tenant
 *   {prefix}{nameSpace}KEY rate count of a key in its window (PX), see RedisRateCounter
 *   {prefix}{t:}:credentials  hash id → JSON CredentialRecord   {prefix}{t:}:credentials-used  hash id → last use ms
 *   {prefix}{t:}:session:SID  JSON SessionRecord (PX)           {prefix}{t:}:secret:NAME  a sealed shared secret
 *   {prefix}auth-failures:KEY failed sign-ins of a client address in its window (PX)
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const
  readonly redis: RedisClient
  readonly eventStore: RedisEventStore
  private readonly subscriber: RedisClient
  private readonly prefix: string
  private readonly channel: string
  private readonly replication: ReplicationOptions
  private readonly auditRetentionMs: number
  private readonly listeners = new Set<ChangeListener>()
  private readonly events = new EventEmitter()
  private subscribed = false
  /** Set when the subscriber lost (or never had) its connection: the next subscription tells listeners '*'. */
  private missedChanges = false
  private closing: Promise<void> | undefined
  private auditIndexed: Promise<void> | undefined

  constructor (options: RedisStoreOptions) {
    this.redis = options.client
    this.subscriber = options.subscriber
    this.prefix = options.prefix
    this.channel = `${options.prefix}changes`
    this.replication = options.replication ?? { minReplicas: 0, timeoutMs: 0 }
    this.auditRetentionMs = options.auditRetentionMs ?? DEFAULT_AUDIT_RETENTION_MS
    for (const [name, lua] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, { lua })
    this.eventStore = new RedisEventStore({
      client: this.redis,
      prefix: this.prefix,
      guarded,
      audited: async (script, audit, args) => await this.accessWrite(script, audit, args, [this.accessKey('webhooks')]),
      webhooksKey: this.accessKey('webhooks')
    })

    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return
      const space = message.lastIndexOf(' ')
      // Tenant '' (access control) announces itself as " VERSION".
      if (space < 0) return
      this.notify(message.slice(0, space), Number(message.slice(space + 1)))
    })
    this.subscriber.on('close', () => {
      this.subscribed = false
      this.missedChanges = true
    })
    this.subscriber.on('ready', () => { this.subscribe() })
    if (this.subscriber.isCluster) {
      // A cluster moves its subscription to another node by itself when a node leaves the topology;
      // subscribing again resolves once the subscription is active there, then listeners hear '*'.
      this.subscriber.on('-node', () => {
        this.missedChanges = true
        this.subscribe()
      })
    }
    if (this.subscriber.status === 'ready') this.subscribe()
  }

  /** Resolves when commands can be sent and change notices are being received. */
  async connected (): Promise<void> {
    await whenReady(this.redis)
    if (!this.subscribed) await once(this.events, 'subscribed')
  }

  async ready (): Promise<void> {
    await guarded(this.redis.ping())
  }

  async createTenant (tenant: Tenant, firstKey: KeyVersion | undefined, audit: AuditEntry, events: OutboxEvent[] = []): Promise<number> {
    // Index first: a failure after it leaves an id that listings skip, never a hidden tenant.
    await this.durable('zadd', [this.key('tenants'), 0, tenant.id])
    const version = await this.write('tmCreateTenant', tenant.id, audit, [
      JSON.stringify(tenant), firstKey?.kid ?? '', firstKey === undefined ? '' : JSON.stringify(firstKey)
    ], events)
    // Again after the write, in case a concurrent delete of a previous tenant with this id removed the entry.
    // Best effort: the tenant exists now, so a failure here must not report the create as failed.
    await this.redis.zadd(this.key('tenants'), 0, tenant.id).catch(() => {})
    return version
  }

  async getSnapshot (tenantId: string): Promise<TenantSnapshot | undefined> {
    const k = this.tenantKeys(tenantId)
    const reply = await this.script('tmSnapshot', [k.tenant, k.ver, k.keys, k.apikeys], []) as
      [string, string, string[], string[]] | null
    if (reply === null) return undefined
    const [tenant, version, keys, apiKeys] = reply
    return {
      tenant: parseRecord<Tenant>(tenant),
      keys: keyring(keys),
      apiKeys: apiKeys.map(json => parseRecord<ApiKeyRecord>(json)).sort(byCreation),
      version: Number(version)
    }
  }

  async getVersion (tenantId: string): Promise<number | undefined> {
    const version = await guarded(this.redis.get(this.tenantKeys(tenantId).ver))
    return version === null ? undefined : Number(version)
  }

  async listTenants (options: ListTenantsOptions): Promise<Page<Tenant>> {
    const limit = Math.max(1, Math.floor(options.limit))
    let from = options.cursor === undefined ? '-' : `(${decodeCursor(options.cursor)}`
    const items: Tenant[] = []
    for (;;) {
      const ids = await guarded(this.redis.zrangebylex(this.key('tenants'), from, '+', 'LIMIT', 0, limit + 1))
      // One GET per id (in a cluster the tenants live in different slots); ids without a tenant are skipped.
      const records = await guarded(Promise.all(ids.map(async id => await this.redis.get(this.tenantKeys(id).tenant))))
      for (const json of records) {
        if (json === null) continue
        if (items.length === limit) {
          return { items, nextCursor: encodeCursor(items[items.length - 1].id) }
        }
        items.push(parseRecord<Tenant>(json))
      }
      if (ids.length < limit + 1) return { items, nextCursor: null }
      from = `(${ids[ids.length - 1]}`
    }
  }

  async updateTenant (tenant: Tenant, expectedVersion: number, audit: AuditEntry, events: OutboxEvent[] = []): Promise<number> {
    return await this.write('tmUpdateTenant', tenant.id, audit, [JSON.stringify(tenant), String(expectedVersion)], events)
  }

  async deleteTenant (tenantId: string, audit: AuditEntry, events: OutboxEvent[] = []): Promise<void> {
    await this.write('tmDeleteTenant', tenantId, audit, [], events)
    // The tenant is gone now: the index clean-up is best effort (listings skip ids without a tenant,
    // the rotation worker finds no tenant) so that it never reports the delete as failed.
    try {
      await this.redis.zrem(this.key('tenants'), tenantId)
      await this.redis.zrem(this.key('rotation-due'), tenantId)
      await this.redis.zrem(this.key('activation-gates'), tenantId)
      await this.redis.del(...this.verifierKeys(tenantId))
      // A tenant re-created with this id in the meantime must stay listed.
      if (await this.redis.exists(this.tenantKeys(tenantId).tenant) === 1) {
        await this.redis.zadd(this.key('tenants'), 0, tenantId)
      }
    } catch {}
  }

  async appendKey (tenantId: string, key: KeyVersion, audit: AuditEntry, options: AppendKeyOptions = {}): Promise<boolean> {
    const ttl = options.onceTtlMs ?? DEFAULT_ONCE_TTL_MS
    const effects: { revoke?: unknown, destroy: unknown[] } = {
      destroy: (options.destroy ?? []).map(d => ({ kid: d.kid, audit: auditJson(d.audit) }))
    }
    if (options.revoke !== undefined) {
      if (!Number.isSafeInteger(options.revoke.revokedAt)) throw invalid('revokedAt', 'must be a whole number of milliseconds')
      effects.revoke = { kid: options.revoke.kid, revokedAt: String(options.revoke.revokedAt), audit: auditJson(options.revoke.audit) }
    }
    const version = await this.write('tmAppendKey', tenantId, audit,
      [key.kid, JSON.stringify(key), String(Math.max(1, Math.ceil(ttl))), JSON.stringify(effects)], options.events ?? [], options.once)
    return version > 0
  }

  async revokeKey (tenantId: string, kid: string, revokedAt: number, audit: AuditEntry, events: OutboxEvent[] = []): Promise<number> {
    if (!Number.isSafeInteger(revokedAt)) throw invalid('revokedAt', 'must be a whole number of milliseconds')
    return await this.write('tmRevokeKey', tenantId, audit, [kid, String(revokedAt)], events)
  }

  async putApiKey (record: ApiKeyRecord, audit: AuditEntry, events: OutboxEvent[] = []): Promise<void> {
    await this.write('tmPutApiKey', record.tenant, audit, [record.id, JSON.stringify(record)], events)
  }

  async getApiKey (tenantId: string, id: string): Promise<ApiKeyRecord | undefined> {
    const json = await guarded(this.redis.hget(this.tenantKeys(tenantId).apikeys, id))
    return json === null ? undefined : parseRecord<ApiKeyRecord>(json)
  }

  async deleteApiKey (tenantId: string, id: string, audit: AuditEntry, events: OutboxEvent[] = []): Promise<void> {
    await this.write('tmDeleteApiKey', tenantId, audit, [id], events)
  }

  async appendAudit (entry: AuditEntry): Promise<void> {
    await this.indexAudit(entry)
    const k = this.tenantKeys(entry.tenant)
    const keys = [k.tenant, k.ver, k.keys, k.apikeys, k.audit, k.outbox]
    await this.durable('tmAppendAudit', [keys.length, ...keys, ...this.auditArgs(entry), this.channel, entry.tenant])
  }

  /**
   * Newest first, `limit` at most, after `cursor`, not before `since`. One tenant: one XREVRANGE. All tenants:
   * the hours that have entries are walked newest first, and only the tenants with entries in each hour are read,
   * so a page costs the tenants active in the hours it spans, never one read per tenant of the deployment.
   */
  async listAudit (options: ListAuditOptions): Promise<Page<AuditEntry>> {
    const limit = Math.floor(options.limit)
    if (limit < 1) return { items: [], nextCursor: null }
    const cursor = options.cursor === undefined ? undefined : decodeAuditCursor(options.cursor)
    const since = options.since ?? 0
    const found: Array<AuditPosition & { entry: AuditEntry }> = []
    if (options.tenant !== undefined) {
      found.push(...await this.readStream(options.tenant, since, Number.MAX_SAFE_INTEGER, cursor, limit + 1, options.actor))
    } else {
      await this.indexEarlierAudit()
      let upper = cursor === undefined ? '+inf' : String(Math.floor(cursor.ms / AUDIT_BUCKET_MS))
      const lowest = Math.floor(since / AUDIT_BUCKET_MS)
      while (found.length <= limit) {
        const hours = (await guarded(this.redis.zrevrangebyscore(this.key('audit-hours'), upper, lowest, 'LIMIT', 0, 24))).map(Number)
        for (const hour of hours) {
          const scope = options.tenants
          const tenants = (await guarded(this.redis.smembers(this.key(`audit-hour:${hour}`)))).filter(tenant => scope === undefined || scope.includes(tenant))
          const start = Math.max(since, hour * AUDIT_BUCKET_MS)
          const reads = await Promise.all(tenants.map(async tenant => await this.readStream(tenant, start, (hour + 1) * AUDIT_BUCKET_MS - 1, cursor, limit + 1, options.actor)))
          found.push(...reads.flat())
          // Every later hour only holds older entries: once a page and one more are found, the page is complete.
          if (found.length > limit) break
        }
        if (hours.length < 24) break
        upper = `(${hours[hours.length - 1]}`
      }
    }
    found.sort(newestAuditFirst)
    const page = found.slice(0, limit)
    const last = page[page.length - 1]
    return { items: page.map(({ entry }) => entry), nextCursor: found.length > limit ? encodeAuditCursor(last) : null }
  }

  /**
   * Upgrade of a log written before the hour index: the tenants of the former `audit-tenants` set have their
   * entries' hours indexed once, then the set is removed. Idempotent, so instances doing it at once are harmless.
   */
  private async indexEarlierAudit (): Promise<void> {
    this.auditIndexed ??= (async () => {
      const legacy = this.key('audit-tenants')
      if (await guarded(this.redis.exists(legacy)) === 0) return
      for (const tenant of await guarded(this.redis.smembers(legacy))) {
        let from = '-'
        for (;;) {
          const entries = await guarded(this.redis.xrange(this.tenantKeys(tenant).audit, from, '+', 'COUNT', 1000)) as StreamEntry[]
          const hours = new Set(entries.map(([id]) => Math.floor(Number(id.split('-')[0]) / AUDIT_BUCKET_MS)))
          await guarded(Promise.all([...hours].flatMap(hour => [
            this.redis.zadd(this.key('audit-hours'), hour, String(hour)),
            this.redis.sadd(this.key(`audit-hour:${hour}`), tenant)
          ])))
          if (entries.length < 1000) break
          from = `(${entries[entries.length - 1][0]}`
        }
      }
      await guarded(this.redis.del(legacy))
    })().catch((err: unknown) => {
      this.auditIndexed = undefined
      throw err
    })
    await this.auditIndexed
  }

  /** A tenant's entries from `startMs` to `endMs` (inclusive) and after `cursor`, newest first, at most `count`. */
  private async readStream (tenant: string, startMs: number, endMs: number, cursor: AuditPosition | undefined, count: number, actor?: string): Promise<Array<AuditPosition & { entry: AuditEntry }>> {
    let end = endMs >= Number.MAX_SAFE_INTEGER ? '+' : String(endMs)
    if (cursor !== undefined && cursor.ms <= endMs) {
      // The same stream id sorts after the cursor only for a tenant that sorts after the cursor's tenant.
      end = tenant < cursor.tenant ? `${cursor.ms}-${cursor.seq}` : `(${cursor.ms}-${cursor.seq}`
    }
    if (cursor !== undefined && cursor.ms < startMs) return []
    // With an actor filter, the stream is read on until `count` of its entries are found (or the range ends).
    const found: Array<AuditPosition & { entry: AuditEntry }> = []
    for (;;) {
      const entries = await guarded(this.redis.xrevrange(this.tenantKeys(tenant).audit, end, String(startMs), 'COUNT', count)) as StreamEntry[]
      found.push(...entries.map(entry => logged(tenant, entry))
        .filter(item => (cursor === undefined || auditBefore(item, cursor)) && (actor === undefined || item.entry.actor === actor)))
      if (actor === undefined || entries.length < count || found.length >= count) return found
      end = `(${entries[entries.length - 1][0]}`
    }
  }

  async setRotationDue (tenantId: string, dueAt: number | null): Promise<void> {
    await this.setDue('rotation-due', tenantId, dueAt)
  }

  async listDueRotations (now: number, limit: number): Promise<string[]> {
    return await this.listDue('rotation-due', now, limit)
  }

  private async setDue (index: string, tenantId: string, dueAt: number | null): Promise<void> {
    if (dueAt === null) {
      await this.durable('zrem', [this.key(index), tenantId])
    } else {
      await this.durable('zadd', [this.key(index), dueAt, tenantId])
    }
  }

  private async listDue (index: string, now: number, limit: number): Promise<string[]> {
    if (limit < 1) return []
    return await guarded(this.redis.zrangebyscore(this.key(index), '-inf', now, 'LIMIT', 0, Math.floor(limit)))
  }

  /** One script per tenant, sent together: auto-pipelining makes them one round trip (in a cluster, one per tenant). */
  async recordVerifiers (fetches: VerifierFetch[], max: number): Promise<Map<string, number>> {
    const byTenant = new Map<string, VerifierFetch[]>()
    for (const fetch of fetches) {
      const list = byTenant.get(fetch.tenant)
      if (list === undefined) byTenant.set(fetch.tenant, [fetch])
      else list.push(fetch)
    }
    const counts = new Map<string, number>()
    const record = async ([tenant, list]: [string, VerifierFetch[]]): Promise<void> => {
      const entries = list.map(({ tenant: _tenant, ...fetch }) => fetch)
      const kept = Number(await this.script('tmRecordVerifiers', [this.tenantKeys(tenant).tenant, ...this.verifierKeys(tenant)], [String(max), JSON.stringify(entries)]))
      if (kept >= 0) counts.set(tenant, kept)
    }
    // A cluster refuses an auto-pipeline whose scripts span slots: there, one tenant after the other.
    if (this.redis.isCluster) for (const entry of byTenant) await record(entry)
    else await Promise.all([...byTenant].map(record))
    return counts
  }

  async getVerifiers (tenantId: string): Promise<VerifierRecord[]> {
    const records = await guarded(this.redis.hvals(this.verifierKeys(tenantId)[0]))
    return records.map(json => {
      const record = parseRecord<VerifierRecord>(json)
      // Lua's cjson writes an empty list as {}.
      return { ...record, kids: Array.isArray(record.kids) ? record.kids : [] }
    })
  }

  async moveActivation (tenantId: string, move: MoveActivation, audit: AuditEntry, events: OutboxEvent[] = []): Promise<boolean> {
    for (const at of [move.expectedActivateAt, move.activateAt, move.settledAt ?? 0]) {
      if (!Number.isSafeInteger(at)) throw invalid('activateAt', 'must be a whole number of milliseconds')
    }
    const version = await this.write('tmMoveActivation', tenantId, audit,
      [move.kid, String(move.expectedActivateAt), String(move.activateAt), move.settledAt === undefined ? '' : String(move.settledAt)], events)
    return version > 0
  }

  async setGateDue (tenantId: string, dueAt: number | null): Promise<void> {
    await this.setDue('activation-gates', tenantId, dueAt)
  }

  async listDueGates (now: number, limit: number): Promise<string[]> {
    return await this.listDue('activation-gates', now, limit)
  }

  onChange (listener: ChangeListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  onConnectionError (listener: (err: Error) => void): () => void {
    this.redis.on('error', listener)
    return () => { this.redis.off('error', listener) }
  }

  /** Counts on the command connection, under `{prefix}{nameSpace}`; see RedisRateCounter. */
  openRateCounter (options: RateCounterOptions): RateCounter {
    return new RedisRateCounter(this.redis, `${this.prefix}${options.nameSpace}`, options.onError)
  }

  async close (): Promise<void> {
    this.closing ??= Promise.all([quit(this.redis), quit(this.subscriber)]).then(() => {})
    await this.closing
  }

  async putCredential (record: CredentialRecord, audit: AuditEntry): Promise<void> {
    await this.accessWrite('tmPutCredential', audit, [record.id, JSON.stringify(record)])
  }

  async getCredential (id: string): Promise<CredentialRecord | undefined> {
    const json = await guarded(this.redis.hget(this.accessKey('credentials'), id))
    return json === null ? undefined : parseRecord<CredentialRecord>(json)
  }

  async listCredentials (): Promise<Array<CredentialRecord & { lastUsedAt: number | null }>> {
    const [records, used] = await guarded(Promise.all([
      this.redis.hvals(this.accessKey('credentials')),
      this.redis.hgetall(this.accessKey('credentials-used'))
    ]))
    return records.map(json => parseRecord<CredentialRecord>(json))
      .map(record => ({ ...record, lastUsedAt: used[record.id] === undefined ? null : Number(used[record.id]) }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  }

  async deleteCredential (id: string, audit: AuditEntry): Promise<void> {
    await this.accessWrite('tmDeleteCredential', audit, [id])
  }

  async touchCredential (id: string, at: number): Promise<void> {
    await this.script('tmTouchCredential', [this.accessKey('credentials'), this.accessKey('credentials-used')], [id, String(at)])
  }

  async putSession (record: SessionRecord, ttlMs: number): Promise<void> {
    await this.durable('set', [this.accessKey(`session:${record.id}`), JSON.stringify(record), 'PX', Math.max(1, Math.ceil(ttlMs))])
  }

  async getSession (id: string): Promise<SessionRecord | undefined> {
    const json = await guarded(this.redis.get(this.accessKey(`session:${id}`)))
    return json === null ? undefined : parseRecord<SessionRecord>(json)
  }

  async deleteSession (id: string): Promise<void> {
    await this.durable('tmDeleteSession', [2, this.accessKey(`session:${id}`), this.tenantKeys('').ver, this.channel])
  }

  async sharedSecret (name: string, create: () => string): Promise<string> {
    const key = this.accessKey(`secret:${name}`)
    const existing = await guarded(this.redis.get(key))
    if (existing !== null) return existing
    await this.durable('set', [key, create(), 'NX'])
    const stored = await guarded(this.redis.get(key))
    if (stored === null) throw storeUnavailable(new Error(`the shared secret ${name} was not stored`))
    return stored
  }

  async countFailure (key: string, windowMs: number): Promise<RateCount> {
    const [current, ttl] = await this.script('tmCountFailure', [this.key(`auth-failures:${key}`)], [String(windowMs)]) as [number, number]
    return { current, ttl: Math.max(0, ttl) }
  }

  async failures (key: string): Promise<RateCount> {
    const counter = this.key(`auth-failures:${key}`)
    const [count, ttl] = await guarded(Promise.all([this.redis.get(counter), this.redis.pttl(counter)]))
    return count === null || ttl < 0 ? { current: 0, ttl: 0 } : { current: Number(count), ttl }
  }

  /** The keys of access control, in the slot of tenant '' (its audit log and version live there too). */
  private accessKey (name: string): string {
    return `${this.tenantKeys('').base}:${name}`
  }

  /**
   * An admin write script on tenant '''s keys and its own (by default the credential hashes); see redis-scripts.ts.
   * Returns the script's reply.
   */
  private async accessWrite (name: ScriptName, audit: AuditEntry, args: string[], own = [this.accessKey('credentials'), this.accessKey('credentials-used')]): Promise<unknown> {
    const k = this.tenantKeys('')
    const keys = [k.tenant, k.ver, k.keys, k.apikeys, k.audit, k.outbox, ...own]
    await this.indexAudit(audit)
    // The last argument is the write's outbox events: these writes have none.
    return await this.durable(name, [keys.length, ...keys, ...this.auditArgs(audit), this.channel, '', ...args, '[]'])
  }

  private key (name: string): string {
    return `${this.prefix}${name}`
  }

  private tenantKeys (tenantId: string): { tenant: string, ver: string, keys: string, apikeys: string, audit: string, outbox: string, base: string } {
    const base = `${this.prefix}{t:${tenantId}}`
    return { base, tenant: `${base}:tenant`, ver: `${base}:ver`, keys: `${base}:keys`, apikeys: `${base}:apikeys`, audit: `${base}:audit`, outbox: `${base}:outbox` }
  }

  private verifierKeys (tenantId: string): [string, string] {
    const base = `${this.prefix}{t:${tenantId}}`
    return [`${base}:verifiers`, `${base}:verifiers-seen`]
  }

  private async script (name: ScriptName, keys: string[], args: string[]): Promise<unknown> {
    const command = (this.redis as unknown as Record<ScriptName, ScriptCommand>)[name]
    return await guarded(command.call(this.redis, keys.length, ...keys, ...args))
  }

  /** Runs a tenant write script; see redis-scripts.ts for the argument layout. */
  private async write (name: ScriptName, tenantId: string, audit: AuditEntry, args: string[], events: OutboxEvent[], onceMarker?: string): Promise<number> {
    const k = this.tenantKeys(tenantId)
    const keys = [k.tenant, k.ver, k.keys, k.apikeys, k.audit, k.outbox]
    if (onceMarker !== undefined) keys.push(`${k.base}:once:${onceMarker}`)
    // Indexes first, together (in a cluster they live in other slots): a failure fails the write. A keyring change
    // also files the tenant for the key-event scanner.
    const keyring = name === 'tmAppendKey' || name === 'tmRevokeKey' || name === 'tmMoveActivation' || (name === 'tmCreateTenant' && args[1] !== '')
    await Promise.all([
      this.indexAudit(audit),
      events.length > 0 ? this.eventStore.indexOutbox(tenantId, audit.at) : undefined,
      keyring ? this.eventStore.markKeyTimes(tenantId, audit.at) : undefined
    ])
    const outbox = JSON.stringify(events.map(event => JSON.stringify(event)))
    const result = Number(await this.durable(name, [keys.length, ...keys, ...this.auditArgs(audit), this.channel, tenantId, ...args, outbox]))
    if (events.length > 0) await this.eventStore.reindexOutbox(tenantId, audit.at)
    return result
  }

  private auditArgs (audit: AuditEntry): string[] {
    return [String(audit.at), actorArgument(audit), audit.action, audit.tenant, audit.kid ?? '', audit.ip, String(this.auditRetentionMs)]
  }

  /**
   * Marks the entry's hour as holding entries of its tenant, before the write (in a cluster the index lives in
   * other slots than the tenant): a failure here fails the action, and an index entry without a log entry only
   * costs one empty read. Hours past the retention leave the index.
   */
  private async indexAudit (audit: AuditEntry): Promise<void> {
    const hour = Math.floor(audit.at / AUDIT_BUCKET_MS)
    const hourKey = this.key(`audit-hour:${hour}`)
    await guarded(Promise.all([
      this.redis.zadd(this.key('audit-hours'), hour, String(hour)),
      this.redis.sadd(hourKey, audit.tenant),
      this.redis.pexpire(hourKey, this.auditRetentionMs + AUDIT_BUCKET_MS),
      this.redis.zremrangebyscore(this.key('audit-hours'), '-inf', `(${Math.floor((audit.at - this.auditRetentionMs) / AUDIT_BUCKET_MS)}`)
    ]))
  }

  /**
   * Every admin write goes through here (the best-effort index clean-ups excepted; rate counts never do): a write
   * script by name or a write command. With `replication.minReplicas` > 0 it succeeds only once that many replicas
   * acknowledged it (see replicated-write.ts); otherwise it is sent as it is.
   */
  private async durable (name: DurableCommand, args: RedisArgument[]): Promise<unknown> {
    if (this.replication.minReplicas === 0) {
      const command = (this.redis as unknown as Record<typeof name, ScriptCommand>)[name]
      return await guarded(command.apply(this.redis, args))
    }
    const lua: string | undefined = name in SCRIPTS ? SCRIPTS[name as ScriptName] : undefined
    const [command, commandArgs] = lua !== undefined ? ['EVAL', [lua, ...args]] : [name, args]
    return await guarded(replicatedCall(this.redis, command, commandArgs, this.replication))
  }

  /** (Re)subscribes to the change channel; a failure waits for the next 'ready'. */
  private subscribe (): void {
    if (this.closing !== undefined) return
    this.subscriber.subscribe(this.channel).then(() => {
      this.subscribed = true
      this.events.emit('subscribed')
      if (this.missedChanges) {
        this.missedChanges = false
        this.notify('*', 0)
      }
    }, () => {})
  }

  private notify (tenantId: string, version: number): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(tenantId, version)
      } catch {
        // A failing listener must not keep the others from hearing about the change.
      }
    }
  }
}
