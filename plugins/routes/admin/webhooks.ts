// Webhooks: create (secret shown once), list, read, change, delete, rotate the secret, send a test event, deliveries.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Principal } from '../../../src/access/authorize.js'
import { TokenmintError } from '../../../src/errors.js'
import { problems } from '../../../src/schemas/common.js'
import {
  DeliveryListSchema, DeliveryParams, DeliveryQuerySchema, DeliveryViewSchema, WebhookCreatedSchema, WebhookCreateSchema,
  WebhookListSchema, WebhookParams, WebhookPatchSchema, WebhookSecretSchema, WebhookViewSchema, WEBHOOK_ID_PATTERN
} from '../../../src/schemas/webhooks.js'
import { actorOf } from './actor.js'
import { ADMIN_SECURITY } from './guard.js'

const security = ADMIN_SECURITY
const WEBHOOK_ID = new RegExp(WEBHOOK_ID_PATTERN)
const tags = ['webhooks']

/** Whether every tenant of a webhook (null: every tenant) lies within the principal's scope. */
function withinScope (principal: Principal, tenants: readonly string[] | null): boolean {
  if (principal.tenants === null) return true
  return tenants !== null && tenants.every(tenant => principal.tenants?.includes(tenant) === true)
}

/** The tenants a new or changed webhook names, as the body says (validated after the guard; anything else names none). */
function bodyTenants (request: FastifyRequest): string[] {
  const tenants = (request.body as { tenants?: unknown } | undefined)?.tenants
  if (tenants === null && request.principal.tenants !== null) throw new TokenmintError('FORBIDDEN', 'a tenant-admin\'s webhook names its tenants (tenants may not be null)')
  return Array.isArray(tenants) ? tenants.filter((t): t is string => typeof t === 'string') : []
}

export default async function webhookRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { webhooks, deliveries } = app.tokenmint

  /**
   * The tenants of the webhook a route acts on, for the guard's scope check. A webhook of every tenant lies in no
   * tenant-admin's scope: to one, it does not exist.
   */
  async function webhookTenants (request: FastifyRequest): Promise<string[]> {
    const { id } = request.params as { id: string }
    // An id that cannot be one names no tenant: validation answers it with a 400.
    if (!WEBHOOK_ID.test(id)) return []
    const { tenants } = await webhooks.get(id)
    if (tenants === null && request.principal.tenants !== null) throw new TokenmintError('WEBHOOK_NOT_FOUND', 'the webhook does not exist')
    return tenants ?? []
  }
  const read = { action: 'webhooks:read', tenants: webhookTenants } as const
  const write = { action: 'webhooks:write', tenants: webhookTenants } as const

  app.post('/webhooks', {
    schema: {
      tags,
      summary: 'Create a webhook; its whsec_ secret is answered this once. The URL must be https and resolve to a public address',
      security,
      body: WebhookCreateSchema,
      response: { 201: WebhookCreatedSchema, ...problems(400, 401, 403, 404, 503) }
    },
    config: {
      action: 'webhooks:write',
      tenants: request => {
        if ((request.body as { tenants?: unknown } | undefined)?.tenants === undefined && request.principal.tenants !== null) {
          throw new TokenmintError('FORBIDDEN', 'a tenant-admin\'s webhook names its tenants (tenants is required)')
        }
        return bodyTenants(request)
      }
    }
  }, async (request, reply) => {
    const created = await webhooks.create(request.body, actorOf(request))
    deliveries.wake()
    return await reply.header('cache-control', 'no-store').code(201).send(created)
  })

  app.get('/webhooks', {
    schema: { tags, summary: 'Every webhook (never a secret); for a tenant-admin, those of its tenants', security, response: { 200: WebhookListSchema, ...problems(401, 503) } },
    config: { action: 'webhooks:read' }
  }, async (request) => ({ items: (await webhooks.list()).filter(webhook => withinScope(request.principal, webhook.tenants)), nextCursor: null }))

  app.get('/webhooks/:id', {
    schema: { tags, summary: 'One webhook (never its secret)', security, params: WebhookParams, response: { 200: WebhookViewSchema, ...problems(401, 404, 503) } },
    config: read
  }, async (request) => await webhooks.get(request.params.id))

  app.patch('/webhooks/:id', {
    schema: { tags, summary: 'Change a webhook\'s url, events, tenants or description', security, params: WebhookParams, body: WebhookPatchSchema, response: { 200: WebhookViewSchema, ...problems(400, 401, 403, 404, 503) } },
    config: { action: 'webhooks:write', tenants: async request => [...await webhookTenants(request), ...bodyTenants(request)] }
  }, async (request) => await webhooks.patch(request.params.id, request.body, actorOf(request)))

  app.delete('/webhooks/:id', {
    schema: { tags, summary: 'Delete a webhook and its deliveries', security, params: WebhookParams, response: { 204: Type.Null(), ...problems(401, 403, 404, 503) } },
    config: write
  }, async (request, reply) => {
    await webhooks.delete(request.params.id, actorOf(request))
    return await reply.code(204).send(null)
  })

  app.post('/webhooks/:id/rotate-secret', {
    schema: {
      tags,
      summary: 'A new secret, answered this once; for 24 h deliveries carry signatures with both the new and the previous one',
      security,
      params: WebhookParams,
      response: { 200: WebhookSecretSchema, ...problems(401, 403, 404, 503) }
    },
    config: write
  }, async (request, reply) => {
    const rotated = await webhooks.rotateSecret(request.params.id, actorOf(request))
    return await reply.header('cache-control', 'no-store').send(rotated)
  })

  app.post('/webhooks/:id/test', {
    schema: { tags, summary: 'Deliver a webhook.test event to this webhook', security, params: WebhookParams, response: { 202: DeliveryViewSchema, ...problems(401, 403, 404, 503) } },
    config: write
  }, async (request, reply) => {
    const delivery = await webhooks.test(request.params.id, actorOf(request))
    deliveries.wake()
    return await reply.code(202).send(delivery)
  })

  app.get('/webhooks/:id/deliveries', {
    schema: {
      tags,
      summary: 'Deliveries of a webhook, newest first (kept 7 days): status, attempts, last answer, next attempt',
      security,
      params: WebhookParams,
      querystring: DeliveryQuerySchema,
      response: { 200: DeliveryListSchema, ...problems(400, 401, 404, 503) }
    },
    config: read
  }, async (request) => await webhooks.deliveries(request.params.id, request.query))

  app.post('/webhooks/:id/deliveries/:deliveryId/retry', {
    schema: { tags, summary: 'Attempt a failed delivery again, with the same webhook-id', security, params: DeliveryParams, response: { 202: DeliveryViewSchema, ...problems(401, 403, 404, 409, 503) } },
    config: write
  }, async (request, reply) => {
    const delivery = await webhooks.retry(request.params.id, request.params.deliveryId, actorOf(request))
    deliveries.wake()
    return await reply.code(202).send(delivery)
  })
}
