// Public verifier routes: the tenant's JWKS at two paths and OIDC discovery, served from precomputed bodies.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { TokenmintError } from '../../src/errors.js'
import type { TenantRuntime } from '../../src/tenant-runtime.js'
import type { PreRouter } from '../app/pre-router.js'
import { TENANT_ID_PATTERN, TenantParams, problems } from '../../src/schemas/common.js'

export interface JwksRoutesOptions {
  /** When given, a cached tenant's JWKS is answered from it, before Fastify routes the request. */
  preRouter?: PreRouter
}

const V1_PREFIX = '/v1/tenants/'
const V1_SUFFIX = '/jwks.json'
const WELL_KNOWN_PREFIX = '/t/'
const WELL_KNOWN_SUFFIX = '/.well-known/jwks.json'
const V1_ROUTE = `${V1_PREFIX}:tenant${V1_SUFFIX}`
const WELL_KNOWN_ROUTE = `${WELL_KNOWN_PREFIX}:tenant${WELL_KNOWN_SUFFIX}`
/** The TenantParams pattern: a URL whose tenant segment does not match it is left to Fastify (and its 400). */
const TENANT_ID = new RegExp(TENANT_ID_PATTERN)

const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) }, { description: 'Public JWKs only: kty, kid, alg, use and the public members' })

/** If-None-Match as RFC 9110 reads it: "*" or a list of entity tags, compared weakly (a proxy may have made ours weak). */
function notModified (ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  return ifNoneMatch.split(',').some(tag => {
    const candidate = tag.trim()
    return candidate === '*' || candidate.replace(/^W\//, '') === etag
  })
}

export default async function jwksRoutes (app: FastifyInstance, options: JwksRoutesOptions) {
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

  /**
   * The pre-router's fast path: a GET of either JWKS URL, exactly (no query string, no %-encoding, no body), for a
   * tenant cached and fresh, answered with the same status, headers and body as writeJwks, and counted in the same
   * request metric. Anything else returns false and goes through Fastify.
   */
  function fastJwks (request: IncomingMessage, response: ServerResponse): boolean {
    if (request.method !== 'GET') return false
    const url = request.url ?? ''
    let route: string
    let tenantId: string
    if (url.startsWith(V1_PREFIX) && url.endsWith(V1_SUFFIX)) {
      route = V1_ROUTE
      tenantId = url.slice(V1_PREFIX.length, url.length - V1_SUFFIX.length)
    } else if (url.startsWith(WELL_KNOWN_PREFIX) && url.endsWith(WELL_KNOWN_SUFFIX)) {
      route = WELL_KNOWN_ROUTE
      tenantId = url.slice(WELL_KNOWN_PREFIX.length, url.length - WELL_KNOWN_SUFFIX.length)
    } else {
      return false
    }
    const headers = request.headers
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined || !TENANT_ID.test(tenantId)) return false
    const runtime = cache.fresh(tenantId)
    if (runtime === undefined) return false
    const started = performance.now()
    const { body, etag } = runtime.jwks(clock())
    const cacheControl = runtime.jwksCacheControl()
    let status: number
    if (notModified(headers['if-none-match'], etag)) {
      status = 304
      response.writeHead(status, { etag, 'cache-control': cacheControl, 'access-control-allow-origin': '*' })
      response.end()
    } else {
      status = 200
      response.writeHead(status, {
        etag,
        'cache-control': cacheControl,
        'access-control-allow-origin': '*',
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body)
      })
      response.end(body)
    }
    app.tokenmint.metrics?.httpRequest('GET', route, status, (performance.now() - started) / 1000)
    return true
  }
  if (options.preRouter !== undefined) {
    options.preRouter.add(fastJwks)
    app.addHook('preClose', async () => options.preRouter?.close())
  }

  const jwksSchema = { tags: ['verifiers'], summary: 'Public keys of the tenant (asymmetric keys that are pending-published, active or retiring)', params: TenantParams, response: { 200: Jwks, ...problems(404, 503) } }
  app.get(V1_ROUTE, { schema: jwksSchema }, sendJwks)
  app.get(WELL_KNOWN_ROUTE, { schema: jwksSchema }, sendJwks)

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
