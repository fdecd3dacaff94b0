// Keyring administration: list, generate or import, rotate, revoke, periodic rotation.
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { TokenmintError } from '../../../src/errors.js'
import { TenantParams, problems } from '../../../src/schemas/common.js'
import { KidParamsSchema as KidParams, KeyCreateSchema, KeyCreatedSchema, KeyListSchema, KeyRevokedSchema, KeyRotatedSchema, RotateInputSchema } from '../../../src/schemas/keys.js'
import { RotationInputSchema, TenantAnswerSchema } from '../../../src/schemas/tenant.js'
import { actorOf } from './actor.js'
import { ADMIN_SECURITY } from './guard.js'

const security = ADMIN_SECURITY

export default async function keyRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { admin } = app.tokenmint

  app.get('/tenants/:tenant/keys', {
    schema: { tags: ['keys'], summary: 'Key versions with their derived state (never material)', security, params: TenantParams, response: { 200: KeyListSchema, ...problems(401, 403, 404, 503) } },
    config: { action: 'keys:read' }
  }, async (request) => ({ items: await admin.listKeys(request.params.tenant), nextCursor: null }))

  app.get('/tenants/:tenant/keys/:kid/public.pem', {
    schema: {
      tags: ['keys'],
      summary: 'The public key of an asymmetric key version as SPKI PEM (application/x-pem-file)',
      security,
      params: KidParams,
      produces: ['application/x-pem-file'],
      response: { 200: Type.String({ description: 'SPKI PEM' }), ...problems(401, 403, 404, 503) }
    },
    config: { action: 'keys:read' }
  }, async (request, reply) => {
    const { tenant, kid } = request.params
    const key = (await admin.listKeys(tenant)).find(version => version.kid === kid)
    if (key === undefined) throw new TokenmintError('KEY_NOT_FOUND', `key ${kid} does not exist`)
    if (key.publicKeyPem === undefined) throw new TokenmintError('KEY_NOT_FOUND', `key ${kid} is ${key.alg}: a shared secret has no public key`)
    return await reply.type('application/x-pem-file').header('content-disposition', `attachment; filename="${kid}.pem"`).send(key.publicKeyPem)
  })

  app.post('/tenants/:tenant/keys', {
    schema: {
      tags: ['keys'],
      summary: 'Generate ({alg}) or import ({kid, alg: "HS256", secret} or {kid?, privateKeyPem}) a key version',
      security,
      params: TenantParams,
      body: KeyCreateSchema,
      response: { 201: KeyCreatedSchema, ...problems(400, 401, 403, 404, 409, 503) }
    },
    config: { action: 'keys:write' }
  }, async (request, reply) => {
    const created = await admin.addKey(request.params.tenant, request.body, actorOf(request))
    // A generated HS256 secret is shown this once: no cache keeps it.
    return await reply.header('cache-control', 'no-store').code(201).send(created)
  })

  app.post('/tenants/:tenant/keys/rotate', {
    schema: {
      tags: ['keys'],
      summary: 'Schedule a new generated version active at `at`, published `prepublish` seconds before; revokeActive: active at once, the active key revoked',
      security,
      params: TenantParams,
      body: Type.Optional(RotateInputSchema),
      response: { 201: KeyRotatedSchema, ...problems(400, 401, 403, 404, 503) }
    },
    config: { action: 'keys:write' }
  }, async (request, reply) => {
    const rotated = await admin.rotate(request.params.tenant, request.body ?? {}, actorOf(request))
    app.tokenmint.metrics.keyRotated('manual')
    return await reply.header('cache-control', 'no-store').code(201).send(rotated)
  })

  app.post('/tenants/:tenant/keys/:kid/revoke', {
    schema: {
      tags: ['keys'],
      summary: 'Revoke a key at once: gone from the JWKS on every instance within 1 s',
      security,
      params: KidParams,
      response: { 200: KeyRevokedSchema, ...problems(401, 403, 404, 503) }
    },
    config: { action: 'keys:write' }
  }, async (request) => await admin.revokeKey(request.params.tenant, request.params.kid, actorOf(request)))

  app.put('/tenants/:tenant/rotation', {
    schema: {
      tags: ['rotation'],
      summary: 'Rotate periodically: one new version every `every` seconds, across all instances',
      security,
      params: TenantParams,
      body: RotationInputSchema,
      response: { 200: TenantAnswerSchema, ...problems(400, 401, 403, 404, 409, 503) }
    },
    config: { action: 'keys:write' }
  }, async (request) => {
    const { tenant, warnings } = await admin.setRotation(request.params.tenant, request.body, actorOf(request))
    return warnings.length > 0 ? { ...tenant, warnings } : tenant
  })

  app.delete('/tenants/:tenant/rotation', {
    schema: { tags: ['rotation'], summary: 'Stop periodic rotation', security, params: TenantParams, response: { 204: Type.Null(), ...problems(401, 403, 404, 409, 503) } },
    config: { action: 'keys:write' }
  }, async (request, reply) => {
    await admin.clearRotation(request.params.tenant, actorOf(request))
    return await reply.code(204).send(null)
  })
}
