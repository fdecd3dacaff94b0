// Tenant and API-key administration.
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { TenantInput, TenantPatch as TenantPatchInput } from '../../../src/admin-service.js'
import { TenantParams, problems } from '../../schemas/common.js'
import { ApiKeyCreate, ApiKeyCreated, ApiKeyView } from '../../schemas/keys.js'
import { ListQuery, Tenant, TenantCreate, TenantList, TenantPatch } from '../../schemas/tenant.js'
import { actorOf } from './actor.js'

const security = [{ adminToken: [] }]

export default async function tenantRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { admin } = app.tokenmint

  app.post('/tenants', {
    schema: {
      tags: ['tenants'],
      summary: 'Create a tenant (and its first key unless generateKey is false)',
      security,
      body: TenantCreate,
      response: { 201: Tenant, ...problems(400, 401, 409, 503) }
    }
  }, async (request, reply) => {
    const created = await admin.createTenant(request.body as TenantInput, actorOf(request))
    const body: typeof created.tenant & { initialSecret?: string, warnings?: string[] } = { ...created.tenant }
    if (created.initialSecret !== undefined) body.initialSecret = created.initialSecret
    if (created.warnings.length > 0) body.warnings = created.warnings
    return await reply.code(201).send(body)
  })

  app.get('/tenants', {
    schema: { tags: ['tenants'], summary: 'List tenants by id', security, querystring: ListQuery, response: { 200: TenantList, ...problems(400, 401, 503) } }
  }, async (request) => await admin.listTenants(request.query.cursor, request.query.limit ?? 50))

  app.get('/tenants/:tenant', {
    schema: { tags: ['tenants'], summary: 'Read a tenant', security, params: TenantParams, response: { 200: Tenant, ...problems(401, 404, 503) } }
  }, async (request) => await admin.getTenant(request.params.tenant))

  app.patch('/tenants/:tenant', {
    schema: { tags: ['tenants'], summary: 'Change a tenant', security, params: TenantParams, body: TenantPatch, response: { 200: Tenant, ...problems(400, 401, 404, 409, 503) } }
  }, async (request) => await admin.patchTenant(request.params.tenant, request.body as TenantPatchInput, actorOf(request)))

  app.delete('/tenants/:tenant', {
    schema: { tags: ['tenants'], summary: 'Delete a tenant, its keys and API keys (its tokens stop verifying)', security, params: TenantParams, response: { 204: Type.Null(), ...problems(401, 404, 503) } }
  }, async (request, reply) => {
    await admin.deleteTenant(request.params.tenant, actorOf(request))
    return await reply.code(204).send(null)
  })

  app.post('/tenants/:tenant/api-keys', {
    schema: { tags: ['api-keys'], summary: 'Create an API key (the full key is shown once)', security, params: TenantParams, body: ApiKeyCreate, response: { 201: ApiKeyCreated, ...problems(400, 401, 404, 503) } }
  }, async (request, reply) => {
    const created = await admin.createApiKey(request.params.tenant, request.body.name, actorOf(request))
    return await reply.code(201).send(created)
  })

  app.get('/tenants/:tenant/api-keys', {
    schema: { tags: ['api-keys'], summary: 'List API keys (ids and names)', security, params: TenantParams, response: { 200: Type.Object({ items: Type.Array(ApiKeyView), nextCursor: Type.Null() }), ...problems(401, 404, 503) } }
  }, async (request) => ({ items: await admin.listApiKeys(request.params.tenant), nextCursor: null }))

  app.delete('/tenants/:tenant/api-keys/:id', {
    schema: {
      tags: ['api-keys'],
      summary: 'Delete an API key: refused on every instance from then on',
      security,
      params: Type.Object({ tenant: TenantParams.properties.tenant, id: Type.String({ pattern: '^[A-Za-z0-9]{1,64}$' }) }),
      response: { 204: Type.Null(), ...problems(401, 404, 503) }
    }
  }, async (request, reply) => {
    await admin.deleteApiKey(request.params.tenant, request.params.id, actorOf(request))
    return await reply.code(204).send(null)
  })
}
