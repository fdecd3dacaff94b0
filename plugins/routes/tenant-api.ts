// Routes of tenant backends under /v1/tenants/:tenant: API-key authentication, a shared per-tenant rate limit, issuance.
import rateLimit from '@fastify/rate-limit'
import type { SwaggerTransform } from '@fastify/swagger'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { API_KEY_SHAPE, bearerToken, parseApiKey, type ParsedApiKey } from '../../src/api-keys.js'
import { TokenmintError } from '../../src/errors.js'
import { issueBodyDocument } from '../../src/profiles/index.js'
import type { TenantRuntime } from '../../src/tenant-runtime.js'
import { rateLimitStore } from '../app/rate-limit-store.js'
import { TenantParams, problems } from '../../src/schemas/common.js'

declare module 'fastify' {
  interface FastifyRequest {
    tenantRuntime?: TenantRuntime
  }
}

const IssuedToken = Type.Object({
  token: Type.String(),
  tokenType: Type.Literal('JWT'),
  alg: Type.String(),
  kid: Type.String(),
  issuedAt: Type.Integer({ description: 'Unix seconds, the token\'s iat' }),
  expiresAt: Type.Integer({ description: 'Unix seconds, the token\'s exp' })
}, { description: 'The issued token, signed by the tenant\'s active key' })

/** Validates only that the body is an object: the tenant's profile checks the rest (runtime.issue). */
const IssueBody = Type.Object({}, { additionalProperties: true })
/** The OpenAPI document shows every profile's request schema and example instead, from the profile registry. */
const ISSUE_BODY_DOCUMENT = issueBodyDocument()
const documentIssueBody: SwaggerTransform = ({ schema, url }) => ({ schema: { ...schema, body: structuredClone(ISSUE_BODY_DOCUMENT) }, url })

const runtimeOf = (request: FastifyRequest): TenantRuntime => request.tenantRuntime as TenantRuntime

export default async function tenantApi (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { cache, clock, store } = app.tokenmint

  app.decorateRequest('tenantRuntime', undefined)
  /** Lets the request in with the tenant's runtime, or throws the right 401/403. */
  function admit (request: FastifyRequest, runtime: TenantRuntime, apiKey: ParsedApiKey): void {
    const check = runtime.checkApiKey(apiKey.id, apiKey.secret)
    if (check === 'unknown') throw new TokenmintError('UNAUTHORIZED', 'the API key is not valid')
    if (check === 'deleted') throw new TokenmintError('FORBIDDEN', 'the API key was deleted')
    request.tenantRuntime = runtime
  }

  /**
   * A key naming another tenant is 403 only when it is valid for that tenant, else 401 like any forged key: only
   * the holder of a valid key learns that it belongs elsewhere.
   */
  async function admitSlowly (request: FastifyRequest, tenantId: string, apiKey: ParsedApiKey): Promise<void> {
    if (apiKey.tenant !== tenantId) {
      const owner = await cache.get(apiKey.tenant).catch(() => undefined)
      if (owner?.checkApiKey(apiKey.id, apiKey.secret) === 'ok') throw new TokenmintError('FORBIDDEN', 'the API key belongs to another tenant')
      throw new TokenmintError('UNAUTHORIZED', 'the API key is not valid')
    }
    const runtime = await cache.get(tenantId)
    if (runtime === undefined) throw new TokenmintError('TENANT_NOT_FOUND', `tenant ${tenantId} does not exist`)
    admit(request, runtime, apiKey)
  }

  // A callback hook, not async: a key of a cached tenant is checked without a promise or a store read.
  app.addHook('onRequest', function authenticate (request, _reply, done) {
    try {
      const token = bearerToken(request.headers.authorization)
      if (token === undefined) throw new TokenmintError('UNAUTHORIZED', `an API key is required: send authorization: Bearer ${API_KEY_SHAPE}`)
      const apiKey = parseApiKey(token)
      if (apiKey === undefined) throw new TokenmintError('UNAUTHORIZED', `the API key is malformed: expected ${API_KEY_SHAPE}, as POST /v1/admin/tenants/:tenant/api-keys answers it`)
      const tenantId = (request.params as { tenant: string }).tenant
      const runtime = apiKey.tenant === tenantId ? cache.fresh(tenantId) : undefined
      if (runtime === undefined) {
        admitSlowly(request, tenantId, apiKey).then(() => done(), done)
        return
      }
      admit(request, runtime, apiKey)
    } catch (err) {
      done(err as Error)
      return
    }
    done()
  })

  // Counted by the store, so every instance on it shares a tenant's count; a failed count lets the request through.
  const rateCounter = store.openRateCounter({
    nameSpace: 'rl:',
    onError: err => {
      app.log.warn({ err: { message: err.message } }, 'rate limiter store failed: request let through')
      app.tokenmint.metrics.rateLimiterErrors()
    }
  })
  await app.register(rateLimit, {
    // The tenant id of the path, which authentication checked is the API key's and the runtime's tenant, so a key
    // only ever counts against its own tenant. The path's string, not runtime.id (measured: bench --cases tenants).
    keyGenerator: request => (request.params as { tenant: string }).tenant,
    max: request => runtimeOf(request).rateMax,
    timeWindow: request => runtimeOf(request).rateWindowMs,
    store: rateLimitStore(rateCounter),
    onExceeded: request => app.tokenmint.metrics.rateLimited(runtimeOf(request).id),
    errorResponseBuilder: (_request, context) => new TokenmintError('RATE_LIMITED', `rate limit of ${context.max} exceeded, retry in ${context.after}`)
  })

  app.post('/v1/tenants/:tenant/tokens', {
    schema: {
      tags: ['tokens'],
      summary: 'Issue a token shaped for the tenant\'s platform',
      security: [{ apiKey: [] }],
      params: TenantParams,
      body: IssueBody,
      response: { 201: IssuedToken, ...problems(400, 401, 403, 404, 409, 413, 415, 429, 503) }
    },
    config: { swaggerTransform: documentIssueBody }
  }, async (request, reply) => {
    const runtime = runtimeOf(request)
    const issued = await runtime.issue(request.body, clock())
    app.tokenmint.metrics.tokenIssued(request.params.tenant, runtime.profileName, issued.alg)
    return await reply.header('cache-control', 'no-store').code(201).send(issued)
  })

  app.post('/v1/tenants/:tenant/tokens/verify', {
    schema: {
      tags: ['tokens'],
      summary: 'Check a token as the tenant\'s platform would: signature, alg, kid, claims, lifetime and clock skew, with every reason it fails',
      security: [{ apiKey: [] }],
      params: TenantParams,
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 12000 }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          valid: Type.Boolean(),
          reasons: Type.Array(Type.String()),
          header: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
          claims: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])
        }),
        ...problems(400, 401, 403, 404, 413, 415, 429, 503)
      }
    }
  }, async (request) => await runtimeOf(request).verify(request.body.token, clock()))
}
