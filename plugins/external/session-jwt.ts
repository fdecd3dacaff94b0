// @fastify/cookie and @fastify/jwt, configured for the dashboard session cookie: an HS256 JWT under a key sealed in the store.
import cookie from '@fastify/cookie'
import jwt from '@fastify/jwt'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** The dashboard session cookie. */
export const SESSION_COOKIE = 'tm_session'

/** A session JWT names its session; everything else about it is in the stored session record. */
export interface SessionClaims {
  sid: string
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: SessionClaims
    user: SessionClaims
  }
}

export default fp(async function sessionJwt (app: FastifyInstance) {
  const { sessions } = app.tokenmint
  await app.register(cookie)
  await app.register(jwt, {
    // Read from the store once per instance (the first instance makes it), so every instance accepts every cookie.
    secret: async () => await sessions.signingKey(),
    sign: { algorithm: 'HS256' },
    verify: { algorithms: ['HS256'] },
    cookie: { cookieName: SESSION_COOKIE, signed: false }
  })
}, { name: 'session-jwt', dependencies: ['services'] })
