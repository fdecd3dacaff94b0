// Access control of the operator tree: who the request acts as (onRequest) and whether it may (preValidation).
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { ACTIONS, type Action } from '../../../src/access/actions.js'
import { authorize, type Principal } from '../../../src/access/authorize.js'
import { CREDENTIAL_SHAPE } from '../../../src/access/credentials.js'
import { bearerToken } from '../../../src/api-keys.js'
import { TokenmintError } from '../../../src/errors.js'
import type { Services } from '../../app/services.js'

/** Failed sign-ins are counted per client address in windows of this length. */
export const AUTH_FAILURE_WINDOW_MS = 60_000

/** What an admin route declares: the action it performs, decided from the request when the body says which. */
export type DeclaredAction = Action | ((request: FastifyRequest) => Action)

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every route under /v1/admin declares one; a route without it is refused when it is registered. */
    action?: DeclaredAction
    /** Further tenants the action names, beyond `:tenant` and `?tenant=` (e.g. a webhook's tenants). */
    tenants?: (request: FastifyRequest) => Promise<string[]> | string[]
    /** The route authenticates its body itself (opening a session): no credential is asked for in front of it. */
    signIn?: boolean
  }
  interface FastifyRequest {
    /** Who the admin request acts as; set by the guard before any admin handler runs. */
    principal: Principal
  }
}

/** The OpenAPI security of every admin route: a bearer credential, or the dashboard session cookie. */
export const ADMIN_SECURITY: Array<Record<string, string[]>> = [{ adminToken: [] }, { sessionCookie: [] }]

const KNOWN_ACTIONS: ReadonlySet<string> = new Set(ACTIONS)

/**
 * Refuses to register an admin route that declares no action, or one not in the vocabulary (the app does not start,
 * so neither does any test); lists the others in `routes`.
 */
export function declaredActions (routes: Services['adminRoutes']): (route: RouteOptions) => void {
  return route => {
    const action = route.config?.action
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (action === undefined) throw new Error(`admin route ${methods.join(',')} ${route.url} declares no action (config: { action })`)
    if (typeof action === 'string' && !KNOWN_ACTIONS.has(action)) throw new Error(`admin route ${methods.join(',')} ${route.url} declares the unknown action ${action}`)
    for (const method of methods) routes.push({ method, url: route.url, action })
  }
}

function tenantsNamed (request: FastifyRequest): string[] {
  const named: string[] = []
  const params = request.params as { tenant?: unknown } | undefined
  const query = request.query as { tenant?: unknown } | undefined
  if (typeof params?.tenant === 'string') named.push(params.tenant)
  if (typeof query?.tenant === 'string') named.push(query.tenant)
  return named
}

export interface Guard {
  /** Resolves the request's principal from its bearer credential (or sets request.principal from a session). */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  authorizeRequest: (request: FastifyRequest) => Promise<void>
  /** Answers 429 while the client address has failed too often; counts a failure and throws 401 otherwise. */
  refuse: (request: FastifyRequest, reply: FastifyReply, detail: string) => Promise<never>
  /** 429 at once while the address is over its limit (whatever it presents). */
  checkFailures: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

/**
 * The hooks of the operator tree. `session` resolves the request's session cookie: undefined when it carries none,
 * null when it is not valid (or was ended), the session's principal otherwise.
 */
export function createGuard (app: FastifyInstance, session: (request: FastifyRequest) => Promise<Principal | null | undefined>): Guard {
  const { store, authenticator, config } = app.tokenmint
  const max = config.authFailuresMax

  const tooMany = (reply: FastifyReply, ttlMs: number): TokenmintError => {
    reply.header('retry-after', String(Math.max(1, Math.ceil(ttlMs / 1000))))
    return new TokenmintError('TOO_MANY_FAILURES', 'too many failed sign-ins from this address; try again later')
  }

  // The failure count never decides alone that a request is let in: a count that cannot be read or written lets the
  // request be judged on its credential (an unreachable store fails the admin action itself anyway).
  const checkFailures: Guard['checkFailures'] = async (request, reply) => {
    const failures = await store.failures(request.ip).catch(() => ({ current: 0, ttl: 0 }))
    if (failures.current > max) throw tooMany(reply, failures.ttl)
  }

  const refuse: Guard['refuse'] = async (request, reply, detail) => {
    const count = await store.countFailure(request.ip, AUTH_FAILURE_WINDOW_MS).catch(() => ({ current: 0, ttl: 0 }))
    if (count.current > max) throw tooMany(reply, count.ttl)
    throw new TokenmintError('UNAUTHORIZED', detail)
  }

  const authenticate: Guard['authenticate'] = async (request, reply) => {
    // The count is read while the credential is checked, so that a slow store does not add the two waits up;
    // an address over its limit gets its 429 whatever the credential said.
    const [limited, identified] = await Promise.allSettled([checkFailures(request, reply), identify(request, reply)])
    if (limited.status === 'rejected') throw limited.reason
    if (identified.status === 'rejected') throw identified.reason
  }

  const identify = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request.headers.authorization)
    if (token === undefined) {
      const principal = request.headers.authorization === undefined ? await session(request) : null
      if (principal === undefined) {
        // Nothing presented is no failed sign-in.
        throw new TokenmintError('UNAUTHORIZED', `an admin credential is missing (Authorization: Bearer <ADMIN_TOKEN or ${CREDENTIAL_SHAPE}>, or a dashboard session)`)
      }
      if (principal === null) return await refuse(request, reply, 'the admin credential or session is not valid')
      request.principal = principal
      return
    }
    const principal = await authenticator.principal(token)
    if (principal === undefined) return await refuse(request, reply, 'the admin credential is not valid (unknown, expired or deleted)')
    request.principal = principal
  }

  const authorizeRequest: Guard['authorizeRequest'] = async (request) => {
    const { action, tenants } = request.routeOptions.config
    // Never silently allowed: registration refuses such a route, and so does this.
    if (action === undefined) throw new TokenmintError('FORBIDDEN', 'this route declares no action')
    const named = tenantsNamed(request)
    if (tenants !== undefined) named.push(...await tenants(request))
    authorize(request.principal, typeof action === 'function' ? action(request) : action, named)
  }

  return { authenticate, authorizeRequest, refuse, checkFailures }
}
