// The operator tree under /v1/admin: every route declares its action; one guard authenticates and authorizes each request.
import type { FastifyInstance } from 'fastify'
import auditRoutes from './audit.js'
import credentialRoutes from './credentials.js'
import { createGuard, declaredActions } from './guard.js'
import keyRoutes from './keys.js'
import sessionRoutes, { sessionOf } from './session.js'
import tenantRoutes from './tenants.js'
import verifierRoutes from './verifiers.js'
import webhookRoutes from './webhooks.js'

export default async function adminRoutes (app: FastifyInstance) {
  app.addHook('onRoute', declaredActions(app.tokenmint.adminRoutes))
  const guard = createGuard(app, sessionOf(app))
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.signIn === true) return
    await guard.authenticate(request, reply)
  })
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.signIn === true) return
    await guard.authorizeRequest(request)
  })
  // The instance that made a change reads it back at once, without waiting for its own change notice.
  const { cache } = app.tokenmint
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' && reply.statusCode < 300) {
      const tenant = (request.params as { tenant?: string }).tenant ?? (request.body as { id?: unknown } | undefined)?.id
      if (typeof tenant === 'string') cache.drop(tenant)
    }
    return payload
  })
  await app.register(tenantRoutes)
  await app.register(keyRoutes)
  await app.register(auditRoutes)
  await app.register(verifierRoutes)
  await app.register(webhookRoutes)
  await app.register(credentialRoutes)
  await app.register(sessionRoutes, { guard })
}
