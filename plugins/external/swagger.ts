// OpenAPI document at /docs/json and its UI at /docs, generated from the route schemas.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Problem } from '../../src/schemas/common.js'

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
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key, tm_<tenant>_<id>_<secret>' }
        }
      }
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'docs' })
