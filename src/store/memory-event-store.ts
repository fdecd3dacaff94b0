// The event store in memory (dev mode): the outbox, webhooks and deliveries with the Redis event store's semantics.
import { TokenmintError, storeUnavailable } from '../errors.js'
import type { AuditEntry, Clock, Page } from '../types.js'
import type { OutboxEvent } from '../webhooks/events.js'
import { decodeDeliveryCursor, encodeDeliveryCursor, newestDeliveryFirst } from './event-common.js'
import type { DeliveryRecord, EventStore, ListDeliveriesOptions, OutboxEntry, ReadOutboxOptions, WebhookRecord } from './event-store.js'

/** An outbox entry and, once read, who holds it since when (the consumer group's pending list). */
interface HeldEntry {
  entry: OutboxEntry
  consumer?: string
  readAt?: number
}

/** Records are copied on the way in and out, as in MemoryStore. */
export class MemoryEventStore implements EventStore {
  private readonly clock: Clock
  private readonly outbox: HeldEntry[] = []
  private readonly webhooks = new Map<string, WebhookRecord>()
  private readonly deliveries = new Map<string, Map<string, DeliveryRecord>>()
  /** Pending delivery → the time it is due (a claim moves it to the lease's end). */
  private readonly due = new Map<string, Map<string, number>>()
  private readonly keyTimes = new Map<string, number>()
  /** Time-driven event markers → when they expire. */
  private readonly markers = new Map<string, number>()
  private sequence = 0
  closed = false

  /** `audit` appends an entry to the store's audit log; a webhook change calls it in the same step as the change. */
  constructor (clock: Clock, private readonly audit: (entry: AuditEntry) => void) {
    this.clock = clock
  }

  /** Appends a tenant write's events; MemoryStore calls it inside the write. */
  append (tenant: string, events: OutboxEvent[]): void {
    for (const event of events) {
      this.outbox.push({ entry: { tenant, entryId: `${this.clock()}-${this.sequence++}`, event: structuredClone(event) } })
    }
  }

  /** A keyring write files its tenant for the key-event scanner; MemoryStore calls it inside the write. */
  markKeyring (tenant: string, at: number): void {
    this.keyTimes.set(tenant, this.keyTimes.get(tenant) === at ? at + 1 : at)
  }

  async createWebhook (record: WebhookRecord, audit: AuditEntry): Promise<void> {
    this.open()
    if (this.webhooks.has(record.id)) throw new TokenmintError('CONFLICT', 'a webhook with this id exists')
    this.audit(audit)
    this.webhooks.set(record.id, structuredClone(record))
  }

  async updateWebhook (record: WebhookRecord, audit: AuditEntry): Promise<void> {
    this.open()
    if (!this.webhooks.has(record.id)) throw new TokenmintError('WEBHOOK_NOT_FOUND', 'the webhook does not exist')
    this.audit(audit)
    this.webhooks.set(record.id, structuredClone(record))
  }

  async getWebhook (id: string): Promise<WebhookRecord | undefined> {
    this.open()
    const record = this.webhooks.get(id)
    return record === undefined ? undefined : structuredClone(record)
  }

  async listWebhooks (): Promise<WebhookRecord[]> {
    this.open()
    return [...this.webhooks.values()].map(record => structuredClone(record))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  }

  async deleteWebhook (id: string, audit: AuditEntry): Promise<void> {
    this.open()
    if (!this.webhooks.has(id)) throw new TokenmintError('WEBHOOK_NOT_FOUND', 'the webhook does not exist')
    this.audit(audit)
    this.webhooks.delete(id)
    this.deliveries.delete(id)
    this.due.delete(id)
  }

  async readOutbox (options: ReadOutboxOptions): Promise<OutboxEntry[]> {
    this.open()
    const out: OutboxEntry[] = []
    for (const held of this.outbox) {
      if (out.length >= options.count) break
      if (options.tenants !== undefined && !options.tenants.includes(held.entry.tenant)) continue
      const idle = held.readAt === undefined ? Infinity : options.now - held.readAt
      if (held.consumer === undefined || idle >= options.claimIdleMs) {
        held.consumer = options.consumer
        held.readAt = options.now
        out.push(structuredClone(held.entry))
      }
    }
    return out
  }

  async ackOutbox (entries: OutboxEntry[]): Promise<void> {
    this.open()
    const acked = new Set(entries.map(entry => `${entry.tenant}\u0000${entry.entryId}`))
    for (let i = this.outbox.length - 1; i >= 0; i--) {
      const { tenant, entryId } = this.outbox[i].entry
      if (acked.has(`${tenant}\u0000${entryId}`)) this.outbox.splice(i, 1)
    }
  }

  async enqueueDelivery (record: DeliveryRecord, retentionMs: number): Promise<boolean> {
    this.open()
    const deliveries = this.deliveriesOf(record.webhookId)
    const due = this.dueOf(record.webhookId)
    for (const [id, kept] of deliveries) {
      if (kept.createdAt < record.createdAt - retentionMs) {
        deliveries.delete(id)
        due.delete(id)
      }
    }
    if (deliveries.has(record.id)) return false
    deliveries.set(record.id, structuredClone(record))
    due.set(record.id, record.nextAttemptAt ?? record.createdAt)
    return true
  }

  async claimDeliveries (webhookId: string, now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]> {
    this.open()
    const deliveries = this.deliveriesOf(webhookId)
    const due = this.dueOf(webhookId)
    const ready = [...due.entries()].filter(([, at]) => at <= now).sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1)).slice(0, Math.max(0, Math.floor(limit)))
    const claimed: DeliveryRecord[] = []
    for (const [id] of ready) {
      const record = deliveries.get(id)
      if (record === undefined) {
        due.delete(id)
        continue
      }
      record.attempts++
      record.nextAttemptAt = now + leaseMs
      due.set(id, now + leaseMs)
      claimed.push(structuredClone(record))
    }
    return claimed
  }

  async finishAttempt (record: DeliveryRecord): Promise<boolean> {
    this.open()
    const deliveries = this.deliveriesOf(record.webhookId)
    const current = deliveries.get(record.id)
    if (current === undefined || current.attempts !== record.attempts) return false
    deliveries.set(record.id, structuredClone(record))
    if (record.status === 'pending') this.dueOf(record.webhookId).set(record.id, record.nextAttemptAt ?? 0)
    else this.dueOf(record.webhookId).delete(record.id)
    return true
  }

  async getDelivery (webhookId: string, id: string): Promise<DeliveryRecord | undefined> {
    this.open()
    const record = this.deliveries.get(webhookId)?.get(id)
    return record === undefined ? undefined : structuredClone(record)
  }

  async listDeliveries (webhookId: string, options: ListDeliveriesOptions): Promise<Page<DeliveryRecord>> {
    this.open()
    const limit = Math.max(1, Math.floor(options.limit))
    const cursor = options.cursor === undefined ? undefined : decodeDeliveryCursor(options.cursor)
    const found = [...this.deliveriesOf(webhookId).values()]
      .filter(record => options.status === undefined || record.status === options.status)
      .filter(record => cursor === undefined || newestDeliveryFirst(cursor, record) < 0)
      .sort(newestDeliveryFirst)
    const page = found.slice(0, limit).map(record => structuredClone(record))
    return { items: page, nextCursor: found.length > limit ? encodeDeliveryCursor(page[page.length - 1]) : null }
  }

  async retryDelivery (webhookId: string, id: string, now: number): Promise<DeliveryRecord> {
    this.open()
    const record = this.deliveries.get(webhookId)?.get(id)
    if (record === undefined) throw new TokenmintError('DELIVERY_NOT_FOUND', 'the webhook has no delivery with this id')
    if (record.status !== 'failed') throw new TokenmintError('CONFLICT', 'only a failed delivery can be retried')
    record.status = 'pending'
    record.nextAttemptAt = now
    this.dueOf(webhookId).set(id, now)
    return structuredClone(record)
  }

  async pendingStats (webhookIds: string[]): Promise<{ depth: number, oldestCreatedAt: number | null }> {
    this.open()
    let depth = 0
    let oldest: number | null = null
    for (const id of webhookIds) {
      for (const pendingId of this.dueOf(id).keys()) {
        depth++
        const createdAt = this.deliveries.get(id)?.get(pendingId)?.createdAt
        if (createdAt !== undefined && (oldest === null || createdAt < oldest)) oldest = createdAt
      }
    }
    return { depth, oldestCreatedAt: oldest }
  }

  async markKeyTimes (tenantId: string, at: number): Promise<void> {
    this.open()
    this.markKeyring(tenantId, at)
  }

  async dueKeyTimes (now: number, limit: number): Promise<Array<{ tenant: string, dueAt: number }>> {
    this.open()
    return [...this.keyTimes.entries()].filter(([, at]) => at <= now).sort(([, a], [, b]) => a - b)
      .slice(0, Math.max(1, Math.floor(limit))).map(([tenant, dueAt]) => ({ tenant, dueAt }))
  }

  async emitOnce (tenantId: string, events: Array<{ marker: string, event: OutboxEvent }>, markerTtlMs: number): Promise<number> {
    this.open()
    let emitted = 0
    for (const { marker, event } of events) {
      const key = `${tenantId}\u0000${marker}`
      const expiresAt = this.markers.get(key)
      if (expiresAt !== undefined && expiresAt > this.clock()) continue
      this.markers.set(key, this.clock() + markerTtlMs)
      this.append(tenantId, [event])
      emitted++
    }
    return emitted
  }

  async rescheduleKeyTimes (tenantId: string, expected: number, next: number | null): Promise<void> {
    this.open()
    if (this.keyTimes.get(tenantId) !== expected) return
    if (next === null) this.keyTimes.delete(tenantId)
    else this.keyTimes.set(tenantId, next)
  }

  private open (): void {
    if (this.closed) throw storeUnavailable(new Error('the memory store is closed'))
  }

  private deliveriesOf (webhookId: string): Map<string, DeliveryRecord> {
    let deliveries = this.deliveries.get(webhookId)
    if (deliveries === undefined) this.deliveries.set(webhookId, deliveries = new Map())
    return deliveries
  }

  private dueOf (webhookId: string): Map<string, number> {
    let due = this.due.get(webhookId)
    if (due === undefined) this.due.set(webhookId, due = new Map())
    return due
  }
}
