// The audit log, newest first.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problems } from '../../../src/schemas/common.js'
import { AuditListSchema, AuditQuerySchema } from '../../../src/schemas/keys.js'

export default async function auditRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/audit', {
    schema: {
      tags: ['audit'],
      summary: 'Every admin action, newest first; never material',
      security: [{ adminToken: [] }],
      querystring: AuditQuerySchema,
      response: { 200: AuditListSchema, ...problems(400, 401, 503) }
    }
  }, async (request) => ({ items: await app.tokenmint.admin.listAudit(request.query.tenant, request.query.limit ?? 100), nextCursor: null }))
}
