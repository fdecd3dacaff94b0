// The delivery worker every instance runs: fans outbox events out to webhooks, attempts deliveries, scans key times.
import type { WebhookService } from '../webhook-service.js'
import { DELIVERY_RETENTION_MS, newDelivery, wants } from '../webhook-service.js'
import type { DeliveryRecord, EventStore, WebhookRecord } from '../store/event-store.js'
import type { Clock } from '../types.js'
import type { KeyEventScanner } from './key-event-scanner.js'
import { WebhookSender, type AttemptOutcome } from './sender.js'
import { signatureHeader } from './signature.js'
import type { UrlPolicy } from './url-guard.js'

export type DeliveryResult = 'delivered' | 'retrying' | 'failed'

/** How often an instance with no webhook drains the outbox. */
const IDLE_POLL_MS = 2000

export interface DeliveryWorkerOptions {
  events: EventStore
  webhooks: WebhookService
  scanner: KeyEventScanner
  clock: Clock
  /** This instance's name in the outbox consumer group. */
  consumer: string
  policy: UrlPolicy
  timeoutMs: number
  /** Seconds before each retry (WEBHOOK_RETRY_SCHEDULE). */
  retrySchedule: readonly number[]
  /** How often the worker looks for work when nothing wakes it (default 250 ms; 2 s while there is no webhook). */
  pollMs?: number
  /** How often key times are scanned (default 1 s). */
  scanMs?: number
  /** Attempts in flight on this instance, and per webhook (defaults 32 and 4). */
  maxInFlight?: number
  maxPerWebhook?: number
  /** An outbox entry read by an instance that did not acknowledge it within this is taken over (default 10 s). */
  claimIdleMs?: number
  onResult?: (result: DeliveryResult, record: DeliveryRecord) => void
  onError?: (err: unknown) => void
}

/** The outcome of an attempt as the next state of its delivery. */
export function afterAttempt (record: DeliveryRecord, outcome: AttemptOutcome, now: number, schedule: readonly number[]): DeliveryRecord {
  const next: DeliveryRecord = { ...record }
  if ('status' in outcome) {
    next.lastStatus = outcome.status
    next.lastError = outcome.status >= 200 && outcome.status < 300 ? null : `HTTP ${outcome.status}`
  } else {
    next.lastError = outcome.error
  }
  if ('status' in outcome && outcome.status >= 200 && outcome.status < 300) {
    return { ...next, status: 'delivered', deliveredAt: now, nextAttemptAt: null }
  }
  const wait = schedule[record.attempts - 1]
  return wait === undefined ? { ...next, status: 'failed', nextAttemptAt: null } : { ...next, status: 'pending', nextAttemptAt: now + wait * 1000 }
}

/**
 * One loop per instance. A tick (a) reads new and abandoned outbox entries through the consumer group, creates one
 * delivery per matching webhook that existed at the event's time (create-if-absent, so a re-read entry gives no
 * second delivery) and only then acknowledges them; (b) claims due deliveries under a lease of timeout + 5 s and attempts them without waiting,
 * bounded per instance and per webhook, so a slow receiver only ever holds its own webhook's slots; (c) every scanMs,
 * scans the key-time index. A delivery whose holder died is claimed again when its lease ends.
 */
export class DeliveryWorker {
  private readonly sender: WebhookSender
  private readonly inFlight = new Map<string, Set<Promise<void>>>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private stopped = true
  private lastScan = 0
  /** Whether the last tick found any webhook: with none, the worker only drains the outbox, every 2 s. */
  private active = false

  constructor (private readonly options: DeliveryWorkerOptions) {
    this.sender = new WebhookSender({ policy: options.policy, timeoutMs: options.timeoutMs })
  }

  start (): void {
    if (!this.stopped) return
    this.stopped = false
    this.schedule(0)
  }

  /** Runs a tick soon (a change was written); ticks never overlap. */
  wake (): void {
    if (this.stopped) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.schedule(0)
  }

  /** One tick that starts after any running one, for tests that drive the worker; resolves when its attempts are finished too. */
  async tick (): Promise<void> {
    await this.running?.catch(() => {})
    await this.run()
    await this.settled()
  }

  /** Stops polling, aborts the attempts in flight (their deliveries stay pending and are taken again) and waits for them. */
  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    await this.running?.catch(() => {})
    this.sender.close()
    await this.settled()
  }

  private async settled (): Promise<void> {
    await Promise.all([...this.inFlight.values()].flatMap(set => [...set]))
  }

  private schedule (ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.run().catch(() => {}).finally(() => {
        if (this.stopped) return
        const soon = this.again
        this.again = false
        this.schedule(soon ? 0 : this.active ? this.options.pollMs ?? 250 : IDLE_POLL_MS)
      })
    }, ms)
    this.timer.unref()
  }

  private async run (): Promise<void> {
    if (this.running !== undefined) return await this.running
    this.running = (async () => {
      const { onError } = this.options
      let webhooks: WebhookRecord[] = []
      try {
        webhooks = await this.options.events.listWebhooks()
        this.active = webhooks.length > 0
        await this.fanOut(webhooks)
      } catch (err) {
        onError?.(err)
      }
      // With no webhook there is nothing to attempt, and key transitions can wait: they are emitted within the
      // lookback once a webhook exists, and fanned out only to webhooks created before them.
      if (!this.active) return
      try {
        await this.dispatch(webhooks)
      } catch (err) {
        onError?.(err)
      }
      const now = this.options.clock()
      if (now - this.lastScan >= (this.options.scanMs ?? 1000) || now < this.lastScan) {
        this.lastScan = now
        await this.options.scanner.scan().catch(err => onError?.(err))
      }
    })().finally(() => { this.running = undefined })
    await this.running
  }

  private async fanOut (webhooks: WebhookRecord[]): Promise<void> {
    const { events, clock, consumer } = this.options
    const entries = await events.readOutbox({ consumer, now: clock(), count: 200, claimIdleMs: this.options.claimIdleMs ?? 10_000 })
    if (entries.length === 0) return
    for (const entry of entries) {
      for (const webhook of webhooks) {
        if (entry.event.at >= webhook.createdAt && wants(webhook, entry.event.type, entry.tenant)) await events.enqueueDelivery(newDelivery(webhook.id, entry.event, clock()), DELIVERY_RETENTION_MS)
      }
    }
    await events.ackOutbox(entries)
  }

  private async dispatch (webhooks: WebhookRecord[]): Promise<void> {
    const max = this.options.maxInFlight ?? 32
    const perWebhook = this.options.maxPerWebhook ?? 4
    const leaseMs = this.options.timeoutMs + 5000
    for (const webhook of webhooks) {
      const total = [...this.inFlight.values()].reduce((n, set) => n + set.size, 0)
      const free = Math.min(perWebhook - (this.inFlight.get(webhook.id)?.size ?? 0), max - total)
      if (free <= 0 || this.stopped) continue
      const claimed = await this.options.events.claimDeliveries(webhook.id, this.options.clock(), leaseMs, free)
      for (const record of claimed) this.track(webhook.id, this.attempt(webhook, record))
    }
  }

  private track (webhookId: string, attempt: Promise<void>): void {
    let set = this.inFlight.get(webhookId)
    if (set === undefined) this.inFlight.set(webhookId, set = new Set())
    const tracked = attempt.catch(err => this.options.onError?.(err)).finally(() => {
      set.delete(tracked)
      // A freed slot may let a waiting delivery of this webhook go now.
      if (set.size === 0) this.inFlight.delete(webhookId)
      this.wake()
    })
    set.add(tracked)
  }

  private async attempt (webhook: WebhookRecord, record: DeliveryRecord): Promise<void> {
    const { clock, webhooks, events } = this.options
    const timestamp = Math.floor(clock() / 1000)
    const headers = {
      'webhook-id': record.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(webhooks.secretsOf(webhook, clock()), record.id, timestamp, record.body)
    }
    const outcome = await this.sender.post(webhook.url, headers, record.body)
    // Stopping aborts the attempt: the delivery stays leased and is taken again, by this instance or another.
    if (this.stopped && 'error' in outcome) return
    const next = afterAttempt(record, outcome, clock(), this.options.retrySchedule)
    if (await events.finishAttempt(next)) {
      this.options.onResult?.(next.status === 'pending' ? 'retrying' : next.status, next)
    }
  }
}
