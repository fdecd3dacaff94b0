// The verifiers of a tenant: who fetched its JWKS or discovery document, and which kids each holds.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { TenantParams, problems } from '../../../src/schemas/common.js'
import { VerifierListSchema, VerifierQuerySchema } from '../../../src/schemas/verifiers.js'
import { listVerifiers } from '../../../src/verifiers/verifier-list.js'
import { ADMIN_SECURITY } from './guard.js'

export default async function verifierRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { store } = app.tokenmint

  app.get('/tenants/:tenant/verifiers', {
    schema: {
      tags: ['verifiers'],
      summary: 'Verifiers of the tenant (JWKS and discovery fetchers told apart by address and User-Agent), most recently seen first',
      security: ADMIN_SECURITY,
      params: TenantParams,
      querystring: VerifierQuerySchema,
      response: { 200: VerifierListSchema, ...problems(400, 401, 404, 503) }
    },
    config: { action: 'keys:read' }
  }, async (request) => await listVerifiers(store, request.params.tenant, request.query))
}
