// Operator actions on webhooks: URL checks, sealed secrets shown once, test events, deliveries and their retry.
import { randomBytes } from 'node:crypto'
import { auditEntry, type Actor } from './admin-service.js'
import type { Sealer } from './crypto/envelope.js'
import { TokenmintError } from './errors.js'
import type { DeliveryList, DeliveryQuery, DeliveryView, WebhookCreate, WebhookCreated, WebhookPatch, WebhookView } from './schemas/webhooks.js'
import type { DeliveryRecord, EventStore, WebhookRecord } from './store/event-store.js'
import type { AuditEntry, Clock } from './types.js'
import { eventBody, newEvent } from './webhooks/events.js'
import { newWebhookSecret } from './webhooks/signature.js'
import { checkWebhookUrl, type UrlPolicy } from './webhooks/url-guard.js'

/** How long the secret before a rotation keeps signing deliveries. */
export const PREVIOUS_SECRET_MS = 24 * 60 * 60 * 1000
/** How long deliveries are kept and listed. */
export const DELIVERY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000

export interface WebhookServiceOptions {
  events: EventStore
  sealer: Sealer
  clock: Clock
  policy: UrlPolicy
  /** Appends an entry to the audit log (the Store's appendAudit), for the actions that are not a webhook write. */
  appendAudit: (entry: AuditEntry) => Promise<void>
}

const iso = (ms: number | null): string | null => ms === null ? null : new Date(ms).toISOString()

export function webhookView (record: WebhookRecord): WebhookView {
  return { id: record.id, url: record.url, events: record.events, tenants: record.tenants, description: record.description, createdAt: new Date(record.createdAt).toISOString() }
}

export function deliveryView (record: DeliveryRecord): DeliveryView {
  return {
    id: record.id,
    type: record.type,
    tenant: record.tenant === '' ? null : record.tenant,
    status: record.status,
    attempts: record.attempts,
    lastStatus: record.lastStatus,
    lastError: record.lastError,
    createdAt: new Date(record.createdAt).toISOString(),
    deliveredAt: iso(record.deliveredAt),
    nextAttemptAt: record.status === 'pending' ? iso(record.nextAttemptAt) : null
  }
}

/** A delivery of `event` to `webhookId`, due at once. */
export function newDelivery (webhookId: string, event: ReturnType<typeof newEvent>, now: number): DeliveryRecord {
  return {
    id: event.id,
    webhookId,
    type: event.type,
    tenant: event.tenant,
    body: eventBody(event),
    status: 'pending',
    attempts: 0,
    lastStatus: null,
    lastError: null,
    createdAt: now,
    deliveredAt: null,
    nextAttemptAt: now
  }
}

/** Whether a webhook takes an event of this type and tenant. */
export function wants (webhook: Pick<WebhookRecord, 'events' | 'tenants'>, type: string, tenant: string): boolean {
  return (webhook.events.includes('*') || webhook.events.includes(type)) && (webhook.tenants === null || webhook.tenants.includes(tenant))
}

export class WebhookService {
  private readonly events: EventStore
  private readonly sealer: Sealer
  private readonly clock: Clock
  private readonly policy: UrlPolicy
  private readonly appendAudit: WebhookServiceOptions['appendAudit']

  constructor (options: WebhookServiceOptions) {
    this.events = options.events
    this.sealer = options.sealer
    this.clock = options.clock
    this.policy = options.policy
    this.appendAudit = options.appendAudit
  }

  /** Webhook entries belong to no tenant (tenant ''); their `kid` is the webhook's id. */
  private audit (who: Actor, action: string, id: string): AuditEntry {
    return auditEntry(who, this.clock(), action, '', id)
  }

  /** Sealed like key material, bound to the webhook: a blob moved to another webhook does not open. */
  private seal (id: string, secret: string): WebhookRecord['secret'] {
    return this.sealer.seal(secret, { tenant: '', kid: `webhook:${id}` })
  }

  private async existing (id: string): Promise<WebhookRecord> {
    const record = await this.events.getWebhook(id)
    if (record === undefined) throw new TokenmintError('WEBHOOK_NOT_FOUND', `webhook ${id} does not exist`)
    return record
  }

  async create (input: WebhookCreate, who: Actor): Promise<WebhookCreated> {
    await checkWebhookUrl(input.url, this.policy)
    const id = `wh_${randomBytes(12).toString('base64url')}`
    const secret = newWebhookSecret()
    const now = this.clock()
    const record: WebhookRecord = {
      id,
      url: input.url,
      events: [...input.events],
      tenants: input.tenants === undefined ? null : [...input.tenants],
      description: input.description ?? '',
      createdAt: now,
      updatedAt: now,
      secret: this.seal(id, secret)
    }
    await this.events.createWebhook(record, this.audit(who, 'webhook.create', id))
    return { ...webhookView(record), secret }
  }

  async list (): Promise<WebhookView[]> {
    return (await this.events.listWebhooks()).map(webhookView)
  }

  async get (id: string): Promise<WebhookView> {
    return webhookView(await this.existing(id))
  }

  async patch (id: string, patch: WebhookPatch, who: Actor): Promise<WebhookView> {
    const record = await this.existing(id)
    if (patch.url !== undefined) await checkWebhookUrl(patch.url, this.policy)
    const updated: WebhookRecord = {
      ...record,
      url: patch.url ?? record.url,
      events: patch.events === undefined ? record.events : [...patch.events],
      tenants: patch.tenants === undefined ? record.tenants : patch.tenants === null ? null : [...patch.tenants],
      description: patch.description ?? record.description,
      updatedAt: this.clock()
    }
    await this.events.updateWebhook(updated, this.audit(who, 'webhook.update', id))
    return webhookView(updated)
  }

  async delete (id: string, who: Actor): Promise<void> {
    await this.events.deleteWebhook(id, this.audit(who, 'webhook.delete', id))
  }

  /** A new secret, shown once; the current one becomes the previous one and keeps signing for PREVIOUS_SECRET_MS. */
  async rotateSecret (id: string, who: Actor): Promise<{ secret: string }> {
    const record = await this.existing(id)
    const secret = newWebhookSecret()
    await this.events.updateWebhook({
      ...record,
      secret: this.seal(id, secret),
      previousSecret: record.secret,
      previousSecretExpiresAt: this.clock() + PREVIOUS_SECRET_MS,
      updatedAt: this.clock()
    }, this.audit(who, 'webhook.rotate-secret', id))
    return { secret }
  }

  /** The secrets deliveries are signed with at `now`: the current one, and the previous one within its 24 h. */
  secretsOf (record: WebhookRecord, now: number): string[] {
    const aad = { tenant: '', kid: `webhook:${record.id}` }
    const secrets = [this.sealer.open(record.secret, aad)]
    if (record.previousSecret !== undefined && (record.previousSecretExpiresAt ?? 0) > now) secrets.push(this.sealer.open(record.previousSecret, aad))
    return secrets
  }

  /**
   * Enqueues a webhook.test event for this webhook alone; the delivery workers send it like any other.
   * The delivery lives in the webhook's own slot, apart from the audit log: the entry is written first, so no test
   * is sent unaudited (a failed enqueue leaves an entry for a test that was not sent).
   */
  async test (id: string, who: Actor): Promise<DeliveryView> {
    const record = await this.existing(id)
    const now = this.clock()
    const delivery = newDelivery(record.id, newEvent('webhook.test', '', now, { tenant: null, webhookId: record.id }), now)
    await this.appendAudit(this.audit(who, 'webhook.test', id))
    await this.events.enqueueDelivery(delivery, DELIVERY_RETENTION_MS)
    return deliveryView(delivery)
  }

  async deliveries (id: string, query: DeliveryQuery): Promise<DeliveryList> {
    await this.existing(id)
    const page = await this.events.listDeliveries(id, { status: query.status, cursor: query.cursor, limit: query.limit ?? 50 })
    return { items: page.items.map(deliveryView), nextCursor: page.nextCursor }
  }

  /** A failed delivery is attempted again at once (same webhook-id); CONFLICT when it is not failed. Audited first, as test. */
  async retry (id: string, deliveryId: string, who: Actor): Promise<DeliveryView> {
    await this.existing(id)
    const delivery = await this.events.getDelivery(id, deliveryId)
    if (delivery === undefined) throw new TokenmintError('DELIVERY_NOT_FOUND', `webhook ${id} has no delivery ${deliveryId}`)
    if (delivery.status !== 'failed') throw new TokenmintError('CONFLICT', `delivery ${deliveryId} is ${delivery.status}: only a failed delivery is retried`)
    await this.appendAudit(this.audit(who, 'webhook.delivery-retry', id))
    return deliveryView(await this.events.retryDelivery(id, deliveryId, this.clock()))
  }
}
