// Key and tenant events: their types, their wire body, and the data each carries (never material).
import { randomBytes } from 'node:crypto'
import type { KeyVersion } from '../types.js'

export const EVENT_TYPES = [
  'tenant.created', 'tenant.updated', 'tenant.deleted',
  'key.created', 'key.published', 'key.activated', 'key.activation_delayed', 'key.retired', 'key.revoked',
  'apikey.created', 'apikey.deleted', 'rotation.updated', 'webhook.test'
] as const
export type EventType = typeof EVENT_TYPES[number]

/** The events no request causes: found by the key-event scanner from the keyring's times. */
export const TIMED_EVENT_TYPES = ['key.published', 'key.activated', 'key.retired'] as const

/** The tenant of events that belong to no tenant (webhook.test). */
export const GLOBAL_TENANT = ''

/**
 * One event as the outbox holds it. `id` is the Standard Webhooks message id (`webhook-id`), the same on every
 * attempt and for every webhook it goes to; `at` is epoch ms; `data` holds ids, algorithms and times only.
 */
export interface OutboxEvent {
  id: string
  type: EventType
  at: number
  tenant: string
  data: Record<string, string | null>
}

/** A fresh message id: "msg_" and 16 random bytes in base64url. */
export function newEventId (): string {
  return `msg_${randomBytes(16).toString('base64url')}`
}

export function newEvent (type: EventType, tenant: string, at: number, data: Record<string, string | null> = {}): OutboxEvent {
  return { id: newEventId(), type, at, tenant, data: { tenant, ...data } }
}

const iso = (ms: number | undefined): string | null => ms === undefined ? null : new Date(ms).toISOString()

/** What a key event says about a key: kid, alg and its times, never its material. */
export function keyData (key: Pick<KeyVersion, 'kid' | 'alg' | 'createdAt' | 'publishAt' | 'activateAt' | 'revokedAt'>): Record<string, string | null> {
  return {
    kid: key.kid,
    alg: key.alg,
    createdAt: iso(key.createdAt),
    publishAt: key.alg === 'HS256' ? null : iso(key.publishAt),
    activateAt: iso(key.activateAt),
    revokedAt: iso(key.revokedAt)
  }
}

/** The body POSTed to receivers: `{ type, timestamp, data }`, serialised once so every attempt sends the same bytes. */
export function eventBody (event: OutboxEvent): string {
  return JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data: event.data })
}
