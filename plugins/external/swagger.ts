// OpenAPI document at /docs/json and its UI at /docs, generated from the route schemas.
import helmet from '@fastify/helmet'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Problem } from '../../src/schemas/common.js'

/**
 * GET /metrics, registered before this plugin by the metrics plugin (its body is Prometheus text, it has no schema),
 * is added to the document here when the app has it.
 */
const METRICS_OPERATION = {
  tags: ['operations'],
  summary: 'Prometheus metrics, text exposition format (README: Metrics)',
  responses: {
    200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } }
  }
}

export default fp(async function docs (app: FastifyInstance) {
  app.addSchema(Problem)
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'tokenmint',
        description: 'Multi-tenant JWT issuance for chat SDKs: profiles, JWKS and OIDC discovery, rotation and revocation. Errors are RFC 9457 problem+json.',
        version: '0.1.0'
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'An admin credential: ADMIN_TOKEN (root), or a scoped credential tmo_<id>_<secret>' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'tm_session', description: 'A dashboard session (POST /v1/admin/session); writes also need the x-csrf-token header' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key, tm_<tenant>_<id>_<secret>' }
        }
      }
    },
    transformObject: document => {
      if (!('openapiObject' in document)) return document.swaggerObject
      const { openapiObject } = document
      if (!app.hasRoute({ method: 'GET', url: '/metrics' })) return openapiObject
      return { ...openapiObject, paths: { ...openapiObject.paths, '/metrics': { get: structuredClone(METRICS_OPERATION) } } }
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })
  // Helmet's headers on the /docs routes only: registered in a context of their own, it adds no hook to any
  // other route. Swagger UI loads its scripts and styles from /docs/static (no inline script) and sets inline
  // styles from them, which helmet's default style-src allows; it may not be framed (the dashboard shares the origin).
  await app.register(async function docsUi (ui) {
    await ui.register(helmet, {
      contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null } },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' }
    })
    await ui.register(swaggerUi, { routePrefix: '/docs' })
  })
}, { name: 'docs' })
