// Public verifier routes: the tenant's JWKS at two paths and OIDC discovery, served from precomputed bodies.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { TokenmintError } from '../../src/errors.js'
import type { TenantRuntime } from '../../src/tenant-runtime.js'
import { TenantParams, problems } from '../schemas/common.js'

const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) }, { description: 'Public JWKs only: kty, kid, alg, use and the public members' })

/** If-None-Match as RFC 9110 reads it: "*" or a list of entity tags, compared weakly (a proxy may have made ours weak). */
function notModified (ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  return ifNoneMatch.split(',').some(tag => {
    const candidate = tag.trim()
    return candidate === '*' || candidate.replace(/^W\//, '') === etag
  })
}

export default async function jwksRoutes (app: FastifyInstance) {
  const { cache, clock, config } = app.tokenmint

  async function runtimeFor (request: FastifyRequest): Promise<TenantRuntime> {
    const tenantId = (request.params as { tenant: string }).tenant
    const runtime = await cache.get(tenantId)
    if (runtime === undefined) throw new TokenmintError('TENANT_NOT_FOUND', `tenant ${tenantId} does not exist`)
    return runtime
  }

  function writeJwks (runtime: TenantRuntime, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const { body, etag } = runtime.jwks(clock())
    reply.header('etag', etag)
      .header('cache-control', runtime.jwksCacheControl())
      .header('access-control-allow-origin', '*')
    if (notModified(request.headers['if-none-match'], etag)) return reply.code(304).send()
    return reply.type('application/json').send(body)
  }

  /** Not async on purpose: a cached tenant is answered without a promise or a store read. */
  function sendJwks (request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> {
    const runtime = cache.fresh((request.params as { tenant: string }).tenant)
    if (runtime !== undefined) return writeJwks(runtime, request, reply)
    return runtimeFor(request).then(loaded => writeJwks(loaded, request, reply))
  }

  const jwksSchema = { tags: ['verifiers'], summary: 'Public keys of the tenant (asymmetric keys that are pending-published, active or retiring)', params: TenantParams, response: { 200: Jwks, ...problems(404, 503) } }
  app.get('/v1/tenants/:tenant/jwks.json', { schema: jwksSchema }, sendJwks)
  app.get('/t/:tenant/.well-known/jwks.json', { schema: jwksSchema }, sendJwks)

  app.get('/t/:tenant/.well-known/openid-configuration', {
    schema: {
      tags: ['verifiers'],
      summary: 'OIDC discovery: issuer and jwks_uri',
      params: TenantParams,
      response: { 200: Type.Object({ issuer: Type.String(), jwks_uri: Type.String(), id_token_signing_alg_values_supported: Type.Array(Type.String()) }, { additionalProperties: true }), ...problems(404, 503) }
    }
  }, async (request, reply) => {
    const runtime = await runtimeFor(request)
    reply.header('cache-control', `public, max-age=${runtime.jwksCaching().maxAge}`).header('access-control-allow-origin', '*')
    return runtime.discovery(config.publicUrl)
  })
}
