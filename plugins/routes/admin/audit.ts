// The audit log, newest first: one page as JSON, or every matching entry streamed as NDJSON for a SIEM.
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AdminService } from '../../../src/admin-service.js'
import { problems } from '../../../src/schemas/common.js'
import { ADMIN_SECURITY } from './guard.js'
import { AuditListSchema, AuditQuerySchema, type AuditList, type AuditQuery } from '../../../src/schemas/keys.js'

/** Every entry from the first page on, one line each, reading one page at a time (memory bounded by a page). */
async function * ndjson (admin: AdminService, query: AuditQuery & { limit: number }, first: AuditList, scope: readonly string[] | null): AsyncGenerator<string> {
  let page = first
  for (;;) {
    if (page.items.length > 0) yield page.items.map(item => `${JSON.stringify(item)}\n`).join('')
    if (page.nextCursor === null) return
    page = await admin.listAudit({ ...query, cursor: page.nextCursor }, scope)
  }
}

export default async function auditRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/audit', {
    schema: {
      tags: ['audit'],
      summary: 'Every admin action, newest first, never material: a page with nextCursor, or ?format=ndjson for all of them',
      security: ADMIN_SECURITY,
      querystring: AuditQuerySchema,
      response: { 200: AuditListSchema, ...problems(400, 401, 403, 503) }
    },
    config: { action: 'audit:read' }
  }, async (request, reply) => {
    const { admin } = app.tokenmint
    const { format, ...query } = request.query
    const limit = query.limit ?? 100
    // A tenant-admin reads the logs of its tenants only (a ?tenant= outside them was refused by the guard).
    const scope = request.principal.tenants
    // The first page is read before answering, so a bad cursor or a store outage is still a problem answer.
    const first = await admin.listAudit({ ...query, limit }, scope)
    if (format !== 'ndjson') return first
    // A stream is sent as it is (the 200 schema describes the JSON page, not these lines).
    const lines: unknown = Readable.from(ndjson(admin, { ...query, limit }, first, scope))
    return await reply.type('application/x-ndjson').send(lines as AuditList)
  })
}
