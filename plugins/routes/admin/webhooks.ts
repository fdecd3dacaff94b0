// Webhooks: create (secret shown once), list, read, change, delete, rotate the secret, send a test event, deliveries.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { problems } from '../../../src/schemas/common.js'
import {
  DeliveryListSchema, DeliveryParams, DeliveryQuerySchema, DeliveryViewSchema, WebhookCreatedSchema, WebhookCreateSchema,
  WebhookListSchema, WebhookParams, WebhookPatchSchema, WebhookSecretSchema, WebhookViewSchema
} from '../../../src/schemas/webhooks.js'

const security = [{ adminToken: [] }]
const tags = ['webhooks']

export default async function webhookRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { webhooks, deliveries } = app.tokenmint

  app.post('/webhooks', {
    schema: {
      tags,
      summary: 'Create a webhook; its whsec_ secret is answered this once. The URL must be https and resolve to a public address',
      security,
      body: WebhookCreateSchema,
      response: { 201: WebhookCreatedSchema, ...problems(400, 401, 503) }
    }
  }, async (request, reply) => {
    const created = await webhooks.create(request.body)
    deliveries.wake()
    return await reply.header('cache-control', 'no-store').code(201).send(created)
  })

  app.get('/webhooks', {
    schema: { tags, summary: 'Every webhook (never a secret)', security, response: { 200: WebhookListSchema, ...problems(401, 503) } }
  }, async () => ({ items: await webhooks.list(), nextCursor: null }))

  app.get('/webhooks/:id', {
    schema: { tags, summary: 'One webhook (never its secret)', security, params: WebhookParams, response: { 200: WebhookViewSchema, ...problems(401, 404, 503) } }
  }, async (request) => await webhooks.get(request.params.id))

  app.patch('/webhooks/:id', {
    schema: { tags, summary: 'Change a webhook\'s url, events, tenants or description', security, params: WebhookParams, body: WebhookPatchSchema, response: { 200: WebhookViewSchema, ...problems(400, 401, 404, 503) } }
  }, async (request) => await webhooks.patch(request.params.id, request.body))

  app.delete('/webhooks/:id', {
    schema: { tags, summary: 'Delete a webhook and its deliveries', security, params: WebhookParams, response: { 204: Type.Null(), ...problems(401, 404, 503) } }
  }, async (request, reply) => {
    await webhooks.delete(request.params.id)
    return await reply.code(204).send(null)
  })

  app.post('/webhooks/:id/rotate-secret', {
    schema: {
      tags,
      summary: 'A new secret, answered this once; for 24 h deliveries carry signatures with both the new and the previous one',
      security,
      params: WebhookParams,
      response: { 200: WebhookSecretSchema, ...problems(401, 404, 503) }
    }
  }, async (request, reply) => {
    const rotated = await webhooks.rotateSecret(request.params.id)
    return await reply.header('cache-control', 'no-store').send(rotated)
  })

  app.post('/webhooks/:id/test', {
    schema: { tags, summary: 'Deliver a webhook.test event to this webhook', security, params: WebhookParams, response: { 202: DeliveryViewSchema, ...problems(401, 404, 503) } }
  }, async (request, reply) => {
    const delivery = await webhooks.test(request.params.id)
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
    }
  }, async (request) => await webhooks.deliveries(request.params.id, request.query))

  app.post('/webhooks/:id/deliveries/:deliveryId/retry', {
    schema: { tags, summary: 'Attempt a failed delivery again, with the same webhook-id', security, params: DeliveryParams, response: { 202: DeliveryViewSchema, ...problems(401, 404, 409, 503) } }
  }, async (request, reply) => {
    const delivery = await webhooks.retry(request.params.id, request.params.deliveryId)
    deliveries.wake()
    return await reply.code(202).send(delivery)
  })
}
