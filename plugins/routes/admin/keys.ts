// Keyring administration: list, generate or import, rotate, revoke, periodic rotation.
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { KeyInput } from '../../../src/admin-service.js'
import { TenantParams, Warnings, problems } from '../../schemas/common.js'
import { KeyCreate, KeyCreated, KeyView, RotateInput } from '../../schemas/keys.js'
import { RotationInput, Tenant } from '../../schemas/tenant.js'
import { actorOf } from './actor.js'

const security = [{ adminToken: [] }]
const KidParams = Type.Object({ tenant: TenantParams.properties.tenant, kid: Type.String({ minLength: 1, maxLength: 128 }) })

export default async function keyRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { admin } = app.tokenmint

  app.get('/tenants/:tenant/keys', {
    schema: { tags: ['keys'], summary: 'Key versions with their derived state (never material)', security, params: TenantParams, response: { 200: Type.Object({ items: Type.Array(KeyView), nextCursor: Type.Null() }), ...problems(401, 404, 503) } }
  }, async (request) => ({ items: await admin.listKeys(request.params.tenant), nextCursor: null }))

  app.post('/tenants/:tenant/keys', {
    schema: {
      tags: ['keys'],
      summary: 'Generate ({alg}) or import ({kid, alg: "HS256", secret} or {kid?, privateKeyPem}) a key version',
      security,
      params: TenantParams,
      body: KeyCreate,
      response: { 201: KeyCreated, ...problems(400, 401, 404, 409, 503) }
    }
  }, async (request, reply) => {
    const created = await admin.addKey(request.params.tenant, request.body as KeyInput, actorOf(request))
    return await reply.code(201).send(created)
  })

  app.post('/tenants/:tenant/keys/rotate', {
    schema: {
      tags: ['keys'],
      summary: 'Schedule a new generated version active at `at`, published `prepublish` seconds before',
      security,
      params: TenantParams,
      body: Type.Optional(RotateInput),
      response: { 201: Type.Object({ key: KeyView, secret: Type.Optional(Type.String()), warnings: Warnings }), ...problems(400, 401, 404, 503) }
    }
  }, async (request, reply) => {
    const rotated = await admin.rotate(request.params.tenant, request.body ?? {}, actorOf(request))
    app.tokenmint.metrics.keyRotated('manual')
    return await reply.code(201).send(rotated)
  })

  app.post('/tenants/:tenant/keys/:kid/revoke', {
    schema: {
      tags: ['keys'],
      summary: 'Revoke a key at once: gone from the JWKS on every instance within 1 s',
      security,
      params: KidParams,
      response: { 200: Type.Object({ key: KeyView, activeKid: Type.Union([Type.String(), Type.Null()]) }), ...problems(401, 404, 503) }
    }
  }, async (request) => await admin.revokeKey(request.params.tenant, request.params.kid, actorOf(request)))

  app.put('/tenants/:tenant/rotation', {
    schema: {
      tags: ['rotation'],
      summary: 'Rotate periodically: one new version every `every` seconds, across all instances',
      security,
      params: TenantParams,
      body: RotationInput,
      response: { 200: Tenant, ...problems(400, 401, 404, 409, 503) }
    }
  }, async (request) => {
    const { tenant, warnings } = await admin.setRotation(request.params.tenant, request.body, actorOf(request))
    return warnings.length > 0 ? { ...tenant, warnings } : tenant
  })

  app.delete('/tenants/:tenant/rotation', {
    schema: { tags: ['rotation'], summary: 'Stop periodic rotation', security, params: TenantParams, response: { 204: Type.Null(), ...problems(401, 404, 409, 503) } }
  }, async (request, reply) => {
    await admin.clearRotation(request.params.tenant, actorOf(request))
    return await reply.code(204).send(null)
  })
}
