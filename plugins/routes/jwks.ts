// Public verifier routes: the tenant's JWKS at two paths and OIDC discovery, served from precomputed bodies.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { TokenmintError } from '../../src/errors.js'
import type { JwksDocument, TenantRuntime } from '../../src/tenant-runtime.js'
import { TenantParams, problems } from '../../src/schemas/common.js'

const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) }, { description: 'Public JWKs only: kty, kid, alg, use and the public members' })

/**
 * If-None-Match as RFC 9110 reads it: "*" or a list of entity tags, compared weakly (a proxy may have made ours
 * weak). The usual header, the one tag we sent, never gets here: the route compares it as one string first.
 */
function notModified (ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(',').some(tag => {
    const candidate = tag.trim()
    return candidate === '*' || candidate.replace(/^W\//, '') === etag
  })
}

/**
 * One JWKS document ready to send: its text, its ETag, and the headers of its 200 and its 304 (no body, no type).
 * The body stays a string: Node then joins head and body into one chunk of the socket write, where a Buffer body
 * would be a chunk of its own.
 */
interface PreparedJwks {
  etag: string
  body: string
  ok: Record<string, string>
  notModified: Record<string, string>
}

export default async function jwksRoutes (app: FastifyInstance) {
  const { cache, clock, config, verifiers } = app.tokenmint
  /** Keyed by document: a runtime hands out the same document until its published keys change. */
  const prepared = new WeakMap<JwksDocument, PreparedJwks>()

  function prepare (document: JwksDocument): PreparedJwks {
    let ready = prepared.get(document)
    if (ready === undefined) {
      ready = {
        etag: document.etag,
        body: document.body,
        ok: { etag: document.etag, 'access-control-allow-origin': '*', 'content-type': 'application/json; charset=utf-8' },
        notModified: { etag: document.etag, 'access-control-allow-origin': '*' }
      }
      prepared.set(document, ready)
    }
    return ready
  }

  async function runtimeFor (request: FastifyRequest): Promise<TenantRuntime> {
    const tenantId = (request.params as { tenant: string }).tenant
    const runtime = await cache.get(tenantId)
    if (runtime === undefined) throw new TokenmintError('TENANT_NOT_FOUND', `tenant ${tenantId} does not exist`)
    return runtime
  }

  function writeJwks (runtime: TenantRuntime, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const now = clock()
    const document = runtime.jwks(now)
    // A 304 names this same document: its ETag is the one compared below.
    verifiers.fetched(runtime.tenant.id, request.ip, request.headers['user-agent'], now, document)
    const jwks = prepare(document)
    reply.header('cache-control', runtime.jwksCacheControl())
    const ifNoneMatch = request.headers['if-none-match']
    if (ifNoneMatch !== undefined && (ifNoneMatch === jwks.etag || notModified(ifNoneMatch, jwks.etag))) {
      return reply.headers(jwks.notModified).code(304).send()
    }
    return reply.headers(jwks.ok).send(jwks.body)
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
    verifiers.fetched(runtime.tenant.id, request.ip, request.headers['user-agent'], clock())
    reply.header('cache-control', `public, max-age=${runtime.jwksCaching().maxAge}`).header('access-control-allow-origin', '*')
    return runtime.discovery(config.publicUrl)
  })
}
