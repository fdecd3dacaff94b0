// The event side of the store: the transactional outbox, webhooks, their deliveries and the key-time index.
import type { OutboxEvent } from '../webhooks/events.js'
import type { AuditEntry, Page, SealedBlob } from '../types.js'

export interface WebhookRecord {
  id: string
  url: string
  /** Event types, or ['*']. */
  events: string[]
  /** Tenants the webhook is limited to; null: every tenant. */
  tenants: string[] | null
  description: string
  createdAt: number
  updatedAt: number
  /** `whsec_...`, sealed like key material. */
  secret: SealedBlob
  /** The secret before the last rotation, still signing until `previousSecretExpiresAt` (epoch ms). */
  previousSecret?: SealedBlob
  previousSecretExpiresAt?: number
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const
export type DeliveryStatus = typeof DELIVERY_STATUSES[number]

/** One event on its way to one webhook. Its id is the event's id (the `webhook-id` header). */
export interface DeliveryRecord {
  id: string
  webhookId: string
  type: string
  tenant: string
  /** The exact bytes every attempt sends. */
  body: string
  status: DeliveryStatus
  /** Attempts started so far. */
  attempts: number
  lastStatus: number | null
  lastError: string | null
  createdAt: number
  deliveredAt: number | null
  nextAttemptAt: number | null
}

/** An event read from an outbox stream, to be acknowledged once its deliveries exist. */
export interface OutboxEntry {
  /** The tenant whose outbox holds it ('' for the global outbox). */
  tenant: string
  entryId: string
  event: OutboxEvent
}

export interface ReadOutboxOptions {
  /** Names this instance in the consumer group. */
  consumer: string
  now: number
  count: number
  /** Entries read by another consumer and not acknowledged for this long are taken over (XAUTOCLAIM). */
  claimIdleMs: number
  /** Only these tenants' outboxes (default: every outbox written to recently, the global one included). */
  tenants?: string[]
}

export interface ListDeliveriesOptions {
  status?: DeliveryStatus
  cursor?: string
  limit: number
}

/**
 * Webhook writes fail with WEBHOOK_NOT_FOUND for an unknown id; a retry of a delivery that is not failed is CONFLICT.
 * Outbox events are written by the Store's tenant writes themselves (their `events` argument), never here.
 */
export interface EventStore {
  /** Webhook changes are admin actions: each is written with its audit entry (tenant '', kid the webhook id) in one atomic step. */
  createWebhook (record: WebhookRecord, audit: AuditEntry): Promise<void>
  updateWebhook (record: WebhookRecord, audit: AuditEntry): Promise<void>
  getWebhook (id: string): Promise<WebhookRecord | undefined>
  /** Every webhook, oldest first. */
  listWebhooks (): Promise<WebhookRecord[]>
  /** Removes the webhook and its deliveries. */
  deleteWebhook (id: string, audit: AuditEntry): Promise<void>

  /** Unacknowledged outbox entries for this consumer: its own first, then those idle past claimIdleMs, then new ones. */
  readOutbox (options: ReadOutboxOptions): Promise<OutboxEntry[]>
  /** Acknowledges and removes entries whose deliveries are enqueued. */
  ackOutbox (entries: OutboxEntry[]): Promise<void>

  /** Create-if-absent (an event fanned out twice gives one delivery); trims deliveries older than `retentionMs`. Returns whether it was created. */
  enqueueDelivery (record: DeliveryRecord, retentionMs: number): Promise<boolean>
  /**
   * Takes up to `limit` of the webhook's pending deliveries due at `now`: each one's attempts is incremented and it
   * is leased until now + leaseMs (past the lease, any instance may take it again). Returns them as claimed.
   */
  claimDeliveries (webhookId: string, now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]>
  /** Records an attempt's outcome, unless the delivery was claimed again since (its attempts changed). */
  finishAttempt (record: DeliveryRecord): Promise<boolean>
  getDelivery (webhookId: string, id: string): Promise<DeliveryRecord | undefined>
  /** Newest first. */
  listDeliveries (webhookId: string, options: ListDeliveriesOptions): Promise<Page<DeliveryRecord>>
  /** A failed delivery becomes pending, due at `now`. DELIVERY_NOT_FOUND, or CONFLICT when it is not failed. */
  retryDelivery (webhookId: string, id: string, now: number): Promise<DeliveryRecord>
  /** Pending deliveries of these webhooks: how many, and the creation time of the oldest. */
  pendingStats (webhookIds: string[]): Promise<{ depth: number, oldestCreatedAt: number | null }>

  /**
   * The tenant's keyring changed at `at` (now): the key-event scanner looks at it from then on. The score is replaced,
   * and always changed (one ms later when it was `at` already), so a scan that read the keyring before the change
   * fails to move it on (see rescheduleKeyTimes).
   */
  markKeyTimes (tenantId: string, at: number): Promise<void>
  /** Tenants whose next key transition is due at `now`, with the score read. */
  dueKeyTimes (now: number, limit: number): Promise<Array<{ tenant: string, dueAt: number }>>
  /**
   * Appends to the tenant's outbox each event whose marker does not exist yet, creating the marker (expiring after
   * markerTtlMs) in the same atomic step: of several instances emitting one transition, one does. Returns how many.
   */
  emitOnce (tenantId: string, events: Array<{ marker: string, event: OutboxEvent }>, markerTtlMs: number): Promise<number>
  /** Moves the tenant's next due time to `next` (null: none), unless it changed from `expected` in the meantime. */
  rescheduleKeyTimes (tenantId: string, expected: number, next: number | null): Promise<void>
}
