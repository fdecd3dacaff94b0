// The event store on Redis: outbox streams read through a consumer group, webhooks, leased deliveries, key times.
import { TokenmintError } from '../errors.js'
import type { AuditEntry, Page } from '../types.js'
import type { OutboxEvent } from '../webhooks/events.js'
import { DELIVERY_STATUSES, type DeliveryRecord, type EventStore, type ListDeliveriesOptions, type OutboxEntry, type ReadOutboxOptions, type WebhookRecord } from './event-store.js'
import { decodeDeliveryCursor, encodeDeliveryCursor } from './event-common.js'
import { EVENT_SCRIPTS, type EventScriptName } from './redis-event-scripts.js'
import type { RedisClient } from './redis-client.js'

/** The consumer group every instance's delivery worker reads the outbox streams through. */
export const OUTBOX_GROUP = 'deliver'
/** Most outboxes one read looks at; the next read goes on from there, so every indexed outbox is read in turn. */
export const OUTBOX_READ_TENANTS = 200

export interface RedisEventStoreOptions {
  client: RedisClient
  prefix: string
  /** Maps client failures to TokenmintError (the RedisStore's mapping). */
  guarded: <T>(operation: Promise<T>) => Promise<T>
  /** Runs a webhook write script with its audit entry on the keys of tenant '' (see redis-scripts.ts). */
  audited: (script: WebhookScript, audit: AuditEntry, args: string[]) => Promise<unknown>
  /** The webhooks hash, in the slot of tenant '' so a webhook write and its audit entry are one step. */
  webhooksKey: string
}

export type WebhookScript = 'tmCreateWebhook' | 'tmUpdateWebhook' | 'tmDeleteWebhook'

type ScriptCommand = (...args: Array<string | number>) => Promise<unknown>
type StreamEntry = [id: string, fields: string[]]

function parse<T> (json: string): T {
  try {
    return JSON.parse(json) as T
  } catch (err) {
    throw new TokenmintError('INTERNAL', 'a stored event record is not valid JSON', { cause: err })
  }
}

/**
 * Keys: a tenant's outbox is the stream {prefix}{t:ID}:outbox, in the tenant's slot, so its write scripts append to
 * it atomically; {prefix}outbox-tenants indexes the tenants whose outbox may hold entries (tenant → last write ms):
 * a write indexes before its script and again after it, and a read that finds an outbox empty drops it (see
 * unindexOutbox), so the index holds only outboxes with work and an idle instance reads none.
 * Webhooks live in one hash, {prefix}{t:}:webhooks, beside the audit log of tenant ''; the deliveries of webhook W in {prefix}{wh:W}:deliveries
 * (hash id → record), :due (pending ids by next attempt ms) and :log (ids by creation ms), one slot per webhook.
 * {prefix}key-times holds tenant → next key transition ms; {prefix}{t:ID}:emitted:TYPE:KID the marker of a
 * time-driven event (PX).
 */
export class RedisEventStore implements EventStore {
  private readonly redis: RedisClient
  private readonly prefix: string
  private readonly guarded: RedisEventStoreOptions['guarded']
  private readonly audited: RedisEventStoreOptions['audited']
  private readonly webhooks: string
  /** Where the next read of the outbox index starts. */
  private outboxCursor = 0

  constructor (options: RedisEventStoreOptions) {
    this.redis = options.client
    this.prefix = options.prefix
    this.guarded = options.guarded
    this.audited = options.audited
    this.webhooks = options.webhooksKey
    for (const [name, lua] of Object.entries(EVENT_SCRIPTS)) this.redis.defineCommand(name, { lua })
  }

  /** Called before a tenant write that carries events: the outbox is read from then on. */
  async indexOutbox (tenantId: string, at: number): Promise<void> {
    await this.guarded(this.redis.zadd(this.key('outbox-tenants'), 'GT', at, tenantId))
  }

  /**
   * Called after a write that appended events: a read that dropped the tenant from the index while the write ran
   * cannot have left its entries unindexed. Best effort: the write is done, and the index entry written before it
   * stands unless such a read removed it in that instant.
   */
  async reindexOutbox (tenantId: string, at: number): Promise<void> {
    await this.redis.zadd(this.key('outbox-tenants'), 'GT', at, tenantId).catch(() => {})
  }

  async createWebhook (record: WebhookRecord, audit: AuditEntry): Promise<void> {
    const created = await this.audited('tmCreateWebhook', audit, [record.id, JSON.stringify(record)])
    if (Number(created) === 0) throw new TokenmintError('CONFLICT', 'a webhook with this id exists')
  }

  async updateWebhook (record: WebhookRecord, audit: AuditEntry): Promise<void> {
    await this.audited('tmUpdateWebhook', audit, [record.id, JSON.stringify(record)])
  }

  async getWebhook (id: string): Promise<WebhookRecord | undefined> {
    const json = await this.guarded(this.redis.hget(this.webhooks, id))
    return json === null ? undefined : parse<WebhookRecord>(json)
  }

  async listWebhooks (): Promise<WebhookRecord[]> {
    const all = await this.guarded(this.redis.hvals(this.webhooks))
    return all.map(json => parse<WebhookRecord>(json)).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  }

  async deleteWebhook (id: string, audit: AuditEntry): Promise<void> {
    await this.audited('tmDeleteWebhook', audit, [id])
    const k = this.deliveryKeys(id)
    // The webhook is gone: its deliveries are never attempted again, so removing them is best effort.
    await this.redis.del(k.deliveries, k.due, k.log).catch(() => {})
  }

  async readOutbox (options: ReadOutboxOptions): Promise<OutboxEntry[]> {
    if (options.tenants !== undefined) {
      return (await this.guarded(Promise.all(options.tenants.map(async tenant => await this.readStream(tenant, options))))).flat()
    }
    const indexed = await this.outboxBatch()
    let dropped = 0
    const reads = await this.guarded(Promise.all(indexed.map(async ({ tenant, at }) => {
      const entries = await this.readStream(tenant, options)
      if (entries.length === 0 && await this.unindexOutbox(tenant, at)) dropped++
      return entries
    })))
    // The dropped outboxes left the index before the cursor: the next batch starts that much earlier.
    if (this.outboxCursor > 0) this.outboxCursor = Math.max(0, this.outboxCursor - dropped)
    return reads.flat()
  }

  /** The next OUTBOX_READ_TENANTS indexed outboxes from the cursor, starting over at the end of the index. */
  private async outboxBatch (): Promise<Array<{ tenant: string, at: number }>> {
    const index = this.key('outbox-tenants')
    const range = async (from: number): Promise<string[]> => await this.guarded(this.redis.zrange(index, from, from + OUTBOX_READ_TENANTS - 1, 'WITHSCORES'))
    let scored = await range(this.outboxCursor)
    if (scored.length === 0 && this.outboxCursor > 0) scored = await range(this.outboxCursor = 0)
    const batch: Array<{ tenant: string, at: number }> = []
    for (let i = 0; i + 1 < scored.length; i += 2) batch.push({ tenant: scored[i], at: Number(scored[i + 1]) })
    this.outboxCursor = batch.length < OUTBOX_READ_TENANTS ? 0 : this.outboxCursor + batch.length
    return batch
  }

  /**
   * Drops an outbox found empty from the index, and its stream with it: the index entry goes only if no write has
   * indexed the tenant since it was read (compare-and-set of the score), then the stream only if it is still empty
   * (one script on its key); if it is not, the tenant is indexed again. A write indexes again after its script, so
   * an entry appended while this runs is either seen here or indexed by its write. Returns whether it left the index.
   */
  private async unindexOutbox (tenant: string, at: number): Promise<boolean> {
    const index = this.key('outbox-tenants')
    if (Number(await this.script('tmRescore', [index], [tenant, String(at), ''])) !== 1) return false
    if (Number(await this.script('tmDropEmptyStream', [this.outboxKey(tenant)], [])) === 1) return true
    await this.guarded(this.redis.zadd(index, 'GT', at, tenant))
    return false
  }

  private async readStream (tenant: string, options: ReadOutboxOptions): Promise<OutboxEntry[]> {
    const key = this.outboxKey(tenant)
    const read = async (): Promise<StreamEntry[]> => {
      const [, claimed] = await this.redis.xautoclaim(key, OUTBOX_GROUP, options.consumer, options.claimIdleMs, '0-0', 'COUNT', options.count) as [string, StreamEntry[]]
      const fresh = await this.redis.xreadgroup('GROUP', OUTBOX_GROUP, options.consumer, 'COUNT', options.count, 'STREAMS', key, '>') as Array<[string, StreamEntry[]]> | null
      return [...claimed, ...(fresh?.[0]?.[1] ?? [])]
    }
    let entries: StreamEntry[]
    try {
      entries = await read()
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOGROUP')) throw err
      await this.redis.xgroup('CREATE', key, OUTBOX_GROUP, '0', 'MKSTREAM').catch(() => {})
      entries = await read()
    }
    // XAUTOCLAIM answers entries deleted meanwhile with empty fields.
    return entries.filter(([, fields]) => fields !== null && fields.length >= 2)
      .map(([entryId, fields]) => ({ tenant, entryId, event: parse<OutboxEvent>(fields[1]) }))
  }

  async ackOutbox (entries: OutboxEntry[]): Promise<void> {
    const byTenant = new Map<string, string[]>()
    for (const entry of entries) byTenant.set(entry.tenant, [...byTenant.get(entry.tenant) ?? [], entry.entryId])
    await this.guarded(Promise.all([...byTenant].map(async ([tenant, ids]) => {
      const key = this.outboxKey(tenant)
      await this.redis.xack(key, OUTBOX_GROUP, ...ids)
      await this.redis.xdel(key, ...ids)
    })))
  }

  async enqueueDelivery (record: DeliveryRecord, retentionMs: number): Promise<boolean> {
    const k = this.deliveryKeys(record.webhookId)
    const created = await this.script('tmEnqueueDelivery', [k.deliveries, k.due, k.log],
      [record.id, JSON.stringify(record), String(record.createdAt), String(record.nextAttemptAt ?? record.createdAt), String(record.createdAt - retentionMs)])
    return Number(created) === 1
  }

  async claimDeliveries (webhookId: string, now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]> {
    if (limit < 1) return []
    const k = this.deliveryKeys(webhookId)
    const claimed = await this.script('tmClaimDeliveries', [k.deliveries, k.due], [String(now), String(now + leaseMs), String(Math.floor(limit))]) as string[]
    return claimed.map(json => parse<DeliveryRecord>(json))
  }

  async finishAttempt (record: DeliveryRecord): Promise<boolean> {
    const k = this.deliveryKeys(record.webhookId)
    const written = await this.script('tmFinishAttempt', [k.deliveries, k.due],
      [record.id, String(record.attempts), JSON.stringify(record), record.status, String(record.nextAttemptAt ?? 0)])
    return Number(written) === 1
  }

  async getDelivery (webhookId: string, id: string): Promise<DeliveryRecord | undefined> {
    const json = await this.guarded(this.redis.hget(this.deliveryKeys(webhookId).deliveries, id))
    return json === null ? undefined : parse<DeliveryRecord>(json)
  }

  async listDeliveries (webhookId: string, options: ListDeliveriesOptions): Promise<Page<DeliveryRecord>> {
    const limit = Math.max(1, Math.floor(options.limit))
    if (options.status !== undefined && !DELIVERY_STATUSES.includes(options.status)) return { items: [], nextCursor: null }
    const cursor = options.cursor === undefined ? undefined : decodeDeliveryCursor(options.cursor)
    const k = this.deliveryKeys(webhookId)
    const found: DeliveryRecord[] = []
    const chunk = 200
    let offset = 0
    for (;;) {
      const scored = await this.guarded(this.redis.zrevrangebyscore(k.log, cursor === undefined ? '+inf' : String(cursor.createdAt), '-inf', 'WITHSCORES', 'LIMIT', offset, chunk))
      offset += scored.length / 2
      const ids: string[] = []
      for (let i = 0; i + 1 < scored.length; i += 2) {
        const createdAt = Number(scored[i + 1])
        if (cursor !== undefined && createdAt === cursor.createdAt && scored[i] >= cursor.id) continue
        ids.push(scored[i])
      }
      const records = ids.length === 0 ? [] : await this.guarded(this.redis.hmget(k.deliveries, ...ids))
      for (const json of records) {
        if (json === null) continue
        const record = parse<DeliveryRecord>(json)
        if (options.status === undefined || record.status === options.status) found.push(record)
      }
      if (found.length > limit || scored.length < chunk * 2) break
    }
    const page = found.slice(0, limit)
    return { items: page, nextCursor: found.length > limit ? encodeDeliveryCursor(page[page.length - 1]) : null }
  }

  async retryDelivery (webhookId: string, id: string, now: number): Promise<DeliveryRecord> {
    const k = this.deliveryKeys(webhookId)
    return parse<DeliveryRecord>(await this.script('tmRetryDelivery', [k.deliveries, k.due], [id, String(now)]) as string)
  }

  async pendingStats (webhookIds: string[]): Promise<{ depth: number, oldestCreatedAt: number | null }> {
    let depth = 0
    let oldest: number | null = null
    for (const id of webhookIds) {
      const k = this.deliveryKeys(id)
      depth += await this.guarded(this.redis.zcard(k.due))
      // The creation time of the oldest among the first thousand due: a bounded read per scrape.
      const due = await this.guarded(this.redis.zrange(k.due, 0, 999))
      const records = due.length === 0 ? [] : await this.guarded(this.redis.hmget(k.deliveries, ...due))
      for (const json of records) {
        if (json === null) continue
        const createdAt = parse<DeliveryRecord>(json).createdAt
        if (oldest === null || createdAt < oldest) oldest = createdAt
      }
    }
    return { depth, oldestCreatedAt: oldest }
  }

  async markKeyTimes (tenantId: string, at: number): Promise<void> {
    await this.script('tmMarkKeyTimes', [this.key('key-times')], [tenantId, String(at)])
  }

  async dueKeyTimes (now: number, limit: number): Promise<Array<{ tenant: string, dueAt: number }>> {
    const scored = await this.guarded(this.redis.zrangebyscore(this.key('key-times'), '-inf', now, 'WITHSCORES', 'LIMIT', 0, Math.max(1, Math.floor(limit))))
    const due: Array<{ tenant: string, dueAt: number }> = []
    for (let i = 0; i + 1 < scored.length; i += 2) due.push({ tenant: scored[i], dueAt: Number(scored[i + 1]) })
    return due
  }

  async emitOnce (tenantId: string, events: Array<{ marker: string, event: OutboxEvent }>, markerTtlMs: number): Promise<number> {
    if (events.length === 0) return 0
    const at = Math.max(...events.map(({ event }) => event.at))
    await this.indexOutbox(tenantId, at)
    const markers = events.map(({ marker }) => `${this.prefix}{t:${tenantId}}:emitted:${marker}`)
    const emitted = Number(await this.script('tmEmitOnce', [this.outboxKey(tenantId), ...markers],
      [String(Math.max(1, Math.ceil(markerTtlMs))), ...events.map(({ event }) => JSON.stringify(event))]))
    if (emitted > 0) await this.reindexOutbox(tenantId, at)
    return emitted
  }

  async rescheduleKeyTimes (tenantId: string, expected: number, next: number | null): Promise<void> {
    await this.script('tmRescore', [this.key('key-times')], [tenantId, String(expected), next === null ? '' : String(next)])
  }

  private async script (name: EventScriptName, keys: string[], args: string[]): Promise<unknown> {
    const command = (this.redis as unknown as Record<EventScriptName, ScriptCommand>)[name]
    return await this.guarded(command.call(this.redis, keys.length, ...keys, ...args))
  }

  private key (name: string): string {
    return `${this.prefix}${name}`
  }

  private outboxKey (tenantId: string): string {
    return `${this.prefix}{t:${tenantId}}:outbox`
  }

  private deliveryKeys (webhookId: string): { deliveries: string, due: string, log: string } {
    const base = `${this.prefix}{wh:${webhookId}}`
    return { deliveries: `${base}:deliveries`, due: `${base}:due`, log: `${base}:log` }
  }
}
