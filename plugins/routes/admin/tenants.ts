// Tenant and API-key administration.
import type { SwaggerTransform } from '@fastify/swagger'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { profileOptionsDocument } from '../../../src/profiles/index.js'
import { TenantParams, problems } from '../../../src/schemas/common.js'
import { ApiKeyCreateSchema, ApiKeyCreatedSchema, ApiKeyListSchema } from '../../../src/schemas/keys.js'
import { ListQuerySchema, TenantAnswerSchema, TenantCreateSchema, TenantListSchema, TenantPatchSchema, TenantViewSchema, type TenantAnswer } from '../../../src/schemas/tenant.js'
import type { Action } from '../../../src/access/actions.js'
import { actorOf } from './actor.js'
import { ADMIN_SECURITY } from './guard.js'

const security = ADMIN_SECURITY

/** A change of `rateLimit` is the platform's to make (tenants:rate-limit); any other change is tenants:update. */
const changesRateLimit = (request: FastifyRequest): Action => {
  const body: unknown = request.body
  return typeof body === 'object' && body !== null && 'rateLimit' in body ? 'tenants:rate-limit' : 'tenants:update'
}

/** The OpenAPI document types `profileOptions` per profile; validation keeps the route's schema (any object, checked by the service). */
const PROFILE_OPTIONS_DOCUMENT = profileOptionsDocument()
const documentProfileOptions: SwaggerTransform = ({ schema, url }) => {
  const body = structuredClone(schema.body) as { properties: Record<string, unknown> }
  body.properties.profileOptions = structuredClone(PROFILE_OPTIONS_DOCUMENT)
  return { schema: { ...schema, body }, url }
}

export default async function tenantRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { admin } = app.tokenmint

  app.post('/tenants', {
    schema: {
      tags: ['tenants'],
      summary: 'Create a tenant (and its first key unless generateKey is false)',
      security,
      body: TenantCreateSchema,
      response: { 201: TenantAnswerSchema, ...problems(400, 401, 403, 409, 503) }
    },
    config: { action: 'tenants:create', swaggerTransform: documentProfileOptions }
  }, async (request, reply) => {
    const created = await admin.createTenant(request.body, actorOf(request))
    const body: TenantAnswer = { ...created.tenant }
    if (created.initialSecret !== undefined) body.initialSecret = created.initialSecret
    if (created.warnings.length > 0) body.warnings = created.warnings
    // It may carry initialSecret, shown this once: no cache keeps it.
    return await reply.header('cache-control', 'no-store').code(201).send(body)
  })

  app.get('/tenants', {
    schema: { tags: ['tenants'], summary: 'List tenants by id', security, querystring: ListQuerySchema, response: { 200: TenantListSchema, ...problems(400, 401, 403, 503) } },
    config: { action: 'tenants:list' }
  }, async (request) => await admin.listTenants(request.query.cursor, request.query.limit ?? 50, request.principal.tenants))

  app.get('/tenants/:tenant', {
    schema: { tags: ['tenants'], summary: 'Read a tenant', security, params: TenantParams, response: { 200: TenantViewSchema, ...problems(401, 403, 404, 503) } },
    config: { action: 'tenants:read' }
  }, async (request) => await admin.getTenant(request.params.tenant))

  app.patch('/tenants/:tenant', {
    schema: { tags: ['tenants'], summary: 'Change a tenant', security, params: TenantParams, body: TenantPatchSchema, response: { 200: TenantViewSchema, ...problems(400, 401, 403, 404, 409, 503) } },
    config: { action: changesRateLimit, swaggerTransform: documentProfileOptions }
  }, async (request) => await admin.patchTenant(request.params.tenant, request.body, actorOf(request)))

  app.delete('/tenants/:tenant', {
    schema: { tags: ['tenants'], summary: 'Delete a tenant, its keys and API keys (its tokens stop verifying)', security, params: TenantParams, response: { 204: Type.Null(), ...problems(401, 403, 404, 503) } },
    config: { action: 'tenants:delete' }
  }, async (request, reply) => {
    await admin.deleteTenant(request.params.tenant, actorOf(request))
    return await reply.code(204).send(null)
  })

  app.post('/tenants/:tenant/api-keys', {
    schema: { tags: ['api-keys'], summary: 'Create an API key (the full key is shown once)', security, params: TenantParams, body: ApiKeyCreateSchema, response: { 201: ApiKeyCreatedSchema, ...problems(400, 401, 403, 404, 503) } },
    config: { action: 'api-keys:write' }
  }, async (request, reply) => {
    const created = await admin.createApiKey(request.params.tenant, request.body.name, actorOf(request))
    return await reply.header('cache-control', 'no-store').code(201).send(created)
  })

  app.get('/tenants/:tenant/api-keys', {
    schema: { tags: ['api-keys'], summary: 'List API keys (ids and names)', security, params: TenantParams, response: { 200: ApiKeyListSchema, ...problems(401, 403, 404, 503) } },
    config: { action: 'keys:read' }
  }, async (request) => ({ items: await admin.listApiKeys(request.params.tenant), nextCursor: null }))

  app.delete('/tenants/:tenant/api-keys/:id', {
    schema: {
      tags: ['api-keys'],
      summary: 'Delete an API key: refused on every instance from then on',
      security,
      params: Type.Object({ tenant: TenantParams.properties.tenant, id: Type.String({ pattern: '^[A-Za-z0-9]{1,64}$' }) }),
      response: { 204: Type.Null(), ...problems(401, 403, 404, 503) }
    },
    config: { action: 'api-keys:write' }
  }, async (request, reply) => {
    await admin.deleteApiKey(request.params.tenant, request.params.id, actorOf(request))
    return await reply.code(204).send(null)
  })
}
