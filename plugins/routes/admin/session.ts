// Dashboard sessions: POST /session trades a credential for the session cookie, DELETE /session ends it on every instance.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Principal } from '../../../src/access/authorize.js'
import { TokenmintError } from '../../../src/errors.js'
import { SessionOpenSchema, SessionOpenedSchema, type SessionOpened } from '../../../src/schemas/access.js'
import { problems } from '../../../src/schemas/common.js'
import { iso } from '../../../src/time.js'
import { SESSION_COOKIE, type SessionClaims } from '../../external/session-jwt.js'
import { ADMIN_SECURITY as security, type Guard } from './guard.js'

const SAFE_METHODS = new Set(['GET', 'HEAD'])

const answer = (principal: Principal, expiresAt: number, csrfToken: string): SessionOpened => {
  const { id, name, role, tenants } = principal
  return { id, name, role, tenants, expiresAt: iso(expiresAt), csrfToken }
}

/** Opens a session for the principal and sets its cookie: HttpOnly, SameSite=Strict, Secure under an https PUBLIC_URL. */
export async function openSession (app: FastifyInstance, reply: FastifyReply, principal: Principal): Promise<SessionOpened> {
  const { sessions, config } = app.tokenmint
  const { record, csrfToken } = await sessions.open(principal)
  const jwt = await reply.jwtSign({ sid: record.id }, { sign: { expiresIn: `${config.sessionTtl}s` } })
  reply.setCookie(SESSION_COOKIE, jwt, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: config.publicUrl.startsWith('https:'),
    maxAge: config.sessionTtl
  })
  return answer(principal, record.expiresAt, csrfToken)
}

/**
 * The principal of the request's session cookie: undefined without one, null when it is not valid (a bad or
 * expired JWT, an ended session, a deleted credential). A write made with the cookie alone must carry the
 * session's CSRF token (x-csrf-token), or it is 403 CSRF_FAILED before anything runs.
 */
export function sessionOf (app: FastifyInstance): (request: FastifyRequest) => Promise<Principal | null | undefined> {
  const { authenticator, sessions } = app.tokenmint
  return async request => {
    if (request.cookies[SESSION_COOKIE] === undefined) return undefined
    let sid: unknown
    try {
      sid = (await request.jwtVerify<SessionClaims>({ onlyCookie: true })).sid
    } catch {
      return null
    }
    if (typeof sid !== 'string') return null
    const record = await authenticator.session(sid)
    if (record === undefined) return null
    if (!SAFE_METHODS.has(request.method)) {
      const header = request.headers['x-csrf-token']
      if (!await sessions.csrfValid(record.id, typeof header === 'string' ? header : undefined)) {
        throw new TokenmintError('CSRF_FAILED', 'a write made with the session cookie needs the session\'s x-csrf-token header')
      }
    }
    return { ...record.principal, sessionId: record.id, sessionExpiresAt: record.expiresAt }
  }
}

export default async function sessionRoutes (fastify: FastifyInstance, options: { guard: Guard }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { guard } = options
  const { authenticator, sessions } = app.tokenmint

  app.post('/session', {
    schema: {
      tags: ['access'],
      summary: 'Open a dashboard session with a credential: sets the tm_session cookie and answers its CSRF token',
      body: SessionOpenSchema,
      response: { 200: SessionOpenedSchema, ...problems(400, 401, 429, 503) }
    },
    // It authenticates its body, counted like any other sign-in.
    config: { action: 'self', signIn: true }
  }, async (request, reply) => {
    await guard.checkFailures(request, reply)
    const principal = await authenticator.principal(request.body.token)
    if (principal === undefined) return await guard.refuse(request, reply, 'the credential is not valid (unknown, expired or deleted)')
    const opened = await openSession(app, reply, principal)
    return await reply.header('cache-control', 'no-store').send(opened)
  })

  app.get('/session', {
    schema: {
      tags: ['access'],
      summary: 'The session of the tm_session cookie, with its CSRF token (for the page that holds the cookie, e.g. after a reload)',
      security,
      response: { 200: SessionOpenedSchema, ...problems(401, 403, 404, 429, 503) }
    },
    config: { action: 'self' }
  }, async (request, reply) => {
    const { sessionId, sessionExpiresAt } = request.principal
    if (sessionId === undefined || sessionExpiresAt === undefined) throw new TokenmintError('NOT_FOUND', 'this request carries no session cookie, only a bearer credential')
    return await reply.header('cache-control', 'no-store').send(answer(request.principal, sessionExpiresAt, await sessions.csrfToken(sessionId)))
  })

  app.delete('/session', {
    schema: {
      tags: ['access'],
      summary: 'End this dashboard session, on every instance',
      security,
      response: { 204: Type.Null(), ...problems(401, 403, 429, 503) }
    },
    config: { action: 'self' }
  }, async (request, reply) => {
    const { sessionId } = request.principal
    if (sessionId !== undefined) await sessions.end(sessionId)
    return await reply.clearCookie(SESSION_COOKIE, { path: '/' }).code(204).send(null)
  })
}
