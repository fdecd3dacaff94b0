// The operator tree under /v1/admin: one onRequest hook checks the admin token in constant time.
import type { FastifyInstance } from 'fastify'
import { bearerToken, safeEqual } from '../../../src/api-keys.js'
import { TokenmintError } from '../../../src/errors.js'
import auditRoutes from './audit.js'
import keyRoutes from './keys.js'
import tenantRoutes from './tenants.js'
import verifierRoutes from './verifiers.js'
import webhookRoutes from './webhooks.js'

export default async function adminRoutes (app: FastifyInstance) {
  const adminToken = app.tokenmint.config.adminToken
  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) throw new TokenmintError('UNAUTHORIZED', 'the admin token is missing (Authorization: Bearer <ADMIN_TOKEN>)')
    // Security: compared in constant time (safeEqual compares the SHA-256 digests of both sides); never with ===.
    if (!safeEqual(token, adminToken)) throw new TokenmintError('UNAUTHORIZED', 'the admin token is not valid')
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
}
