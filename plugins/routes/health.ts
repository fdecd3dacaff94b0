// Liveness and readiness.
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { problems } from '../../src/schemas/common.js'

export default async function healthRoutes (app: FastifyInstance) {
  app.get('/healthz', {
    schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    schema: { tags: ['operations'], summary: 'The store answers', response: { 200: Type.Object({ status: Type.Literal('ready'), store: Type.String() }), ...problems(503) } }
  }, async () => {
    await app.tokenmint.store.ready()
    return { status: 'ready' as const, store: app.tokenmint.store.kind }
  })
}
