// Schemas of the webhook routes: bodies, answers, deliveries and their query.
import { Type, type Static } from 'typebox'
import { DELIVERY_STATUSES } from '../store/event-store.js'
import { EVENT_TYPES } from '../webhooks/events.js'
import { TenantId } from './common.js'

export const WEBHOOK_ID_PATTERN = '^wh_[A-Za-z0-9_-]{16}$'
export const WebhookParams = Type.Object({ id: Type.String({ pattern: WEBHOOK_ID_PATTERN, description: 'Webhook id' }) })
export const DeliveryParams = Type.Object({
  id: Type.String({ pattern: WEBHOOK_ID_PATTERN }),
  deliveryId: Type.String({ pattern: '^msg_[A-Za-z0-9_-]{1,64}$', description: 'Delivery id: the event id, sent as webhook-id' })
})

const EventFilter = Type.Union([
  Type.Array(Type.Enum(EVENT_TYPES), { minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true }),
  Type.Array(Type.Literal('*'), { minItems: 1, maxItems: 1 })
], { description: 'Event types the webhook receives, or ["*"] for all' })
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'https URL the events are POSTed to' })
const Tenants = Type.Array(TenantId, { minItems: 1, maxItems: 1000, uniqueItems: true, description: 'Only events of these tenants (absent: every tenant)' })
const Description = Type.String({ maxLength: 500 })

export const WebhookCreateSchema = Type.Object({
  url: Url,
  events: EventFilter,
  tenants: Type.Optional(Tenants),
  description: Type.Optional(Description)
}, { additionalProperties: false })
export type WebhookCreate = Static<typeof WebhookCreateSchema>

export const WebhookPatchSchema = Type.Object({
  url: Type.Optional(Url),
  events: Type.Optional(EventFilter),
  tenants: Type.Optional(Type.Union([Tenants, Type.Null()], { description: 'null: every tenant' })),
  description: Type.Optional(Description)
}, { additionalProperties: false, minProperties: 1 })
export type WebhookPatch = Static<typeof WebhookPatchSchema>

export const WebhookViewSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  tenants: Type.Union([Type.Array(Type.String()), Type.Null()]),
  description: Type.String(),
  createdAt: Type.String({ format: 'date-time' })
})
export type WebhookView = Static<typeof WebhookViewSchema>

export const WebhookCreatedSchema = Type.Intersect([WebhookViewSchema, Type.Object({ secret: Type.String({ description: 'whsec_<base64>, shown once' }) })])
export type WebhookCreated = Static<typeof WebhookCreatedSchema>
export const WebhookSecretSchema = Type.Object({ secret: Type.String({ description: 'The new whsec_ secret, shown once; the previous one keeps signing for 24 h' }) })
export const WebhookListSchema = Type.Object({ items: Type.Array(WebhookViewSchema), nextCursor: Type.Null() })

const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
export const DeliveryViewSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  tenant: Type.Union([Type.String(), Type.Null()]),
  status: Type.Enum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  deliveredAt: Time,
  nextAttemptAt: Time
})
export type DeliveryView = Static<typeof DeliveryViewSchema>
export const DeliveryListSchema = Type.Object({ items: Type.Array(DeliveryViewSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) })
export type DeliveryList = Static<typeof DeliveryListSchema>

export const DeliveryQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum(DELIVERY_STATUSES)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 400 }))
}, { additionalProperties: false })
export type DeliveryQuery = Static<typeof DeliveryQuerySchema>

export const AcceptedSchema = Type.Object({ id: Type.String({ description: 'The delivery id (webhook-id)' }), status: Type.String() })
