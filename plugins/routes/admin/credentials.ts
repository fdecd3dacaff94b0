// Scoped credentials (create, shown once; list; delete) and whoami.
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { CredentialCreateSchema, CredentialCreatedSchema, CredentialListSchema, CredentialParamsSchema, WhoamiSchema } from '../../../src/schemas/access.js'
import { problems } from '../../../src/schemas/common.js'
import { actorOf } from './actor.js'
import { ADMIN_SECURITY as security } from './guard.js'

export default async function credentialRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { credentials } = app.tokenmint

  app.post('/credentials', {
    schema: {
      tags: ['access'],
      summary: 'Create a scoped credential (its token tmo_<id>_<secret> is shown once)',
      security,
      body: CredentialCreateSchema,
      response: { 201: CredentialCreatedSchema, ...problems(400, 401, 403, 429, 503) }
    },
    config: { action: 'credentials:create' }
  }, async (request, reply) => {
    const created = await credentials.create(request.body, actorOf(request))
    return await reply.header('cache-control', 'no-store').code(201).send(created)
  })

  app.get('/credentials', {
    schema: { tags: ['access'], summary: 'List credentials with their last use (never a token)', security, response: { 200: CredentialListSchema, ...problems(401, 403, 429, 503) } },
    config: { action: 'credentials:list' }
  }, async () => ({ items: await credentials.list(), nextCursor: null }))

  app.delete('/credentials/:id', {
    schema: {
      tags: ['access'],
      summary: 'Delete a credential: it and its sessions are refused on every instance from then on',
      security,
      params: CredentialParamsSchema,
      response: { 204: Type.Null(), ...problems(401, 403, 404, 429, 503) }
    },
    config: { action: 'credentials:delete' }
  }, async (request, reply) => {
    await credentials.delete(request.params.id, actorOf(request))
    return await reply.code(204).send(null)
  })

  app.get('/whoami', {
    schema: { tags: ['access'], summary: 'The credential this request acts as', security, response: { 200: WhoamiSchema, ...problems(401, 429, 503) } },
    config: { action: 'self' }
  }, async (request) => {
    const { id, name, role, tenants } = request.principal
    return { id, name, role, tenants }
  })
}
