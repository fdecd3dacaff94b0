// Single sign-on for operators: GET /admin/login/oidc starts an authorization-code flow (PKCE, state, nonce) with
// openid-client; GET /admin/login/oidc/callback opens a dashboard session for a user whose groups map to a role.
import { createHmac } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import * as oidc from 'openid-client'
import { constantTimeEqual } from '../../src/api-keys.js'
import { oidcPrincipal } from '../../src/access/oidc-roles.js'
import type { OperatorOidcConfig } from '../../src/config.js'
import { TokenmintError } from '../../src/errors.js'
import { openSession } from './admin/session.js'

/** The pending sign-in, between the redirect to the identity provider and its answer. */
const PENDING_COOKIE = 'tm_oidc'
const PENDING_TTL_S = 600
const CALLBACK_PATH = '/admin/login/oidc/callback'

interface Pending {
  state: string
  nonce: string
  verifier: string
  /** Epoch seconds. */
  exp: number
}

export default async function oidcLogin (app: FastifyInstance, options: { oidc: OperatorOidcConfig }) {
  const settings = options.oidc
  const { sessions, config, clock } = app.tokenmint
  // Read per request: PUBLIC_URL is the address the provider sends the browser back to.
  const redirectUri = (): string => `${config.publicUrl}${CALLBACK_PATH}`
  const secure = (): boolean => config.publicUrl.startsWith('https:')

  // The provider's metadata is read once, on the first sign-in (the service starts while the provider is down).
  let discovered: Promise<oidc.Configuration> | undefined
  const configuration = async (): Promise<oidc.Configuration> => {
    discovered ??= oidc.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined,
      settings.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined)
      .catch((err: unknown) => {
        discovered = undefined
        throw new TokenmintError('STORE_UNAVAILABLE', 'the identity provider is not answering', { cause: err })
      })
    return await discovered
  }

  // The pending sign-in travels in an HttpOnly cookie, HMAC-sealed with the session key: any instance may get the
  // callback. SameSite=Lax, since the provider sends the browser back with a top-level GET from its own site.
  const mac = async (body: string): Promise<string> => createHmac('sha256', await sessions.signingKey()).update(`oidc\n${body}`).digest('base64url')
  const readPending = async (value: string | undefined): Promise<Pending | undefined> => {
    if (value === undefined) return undefined
    const [body, tag] = value.split('.')
    if (body === undefined || tag === undefined || !constantTimeEqual(await mac(body), tag)) return undefined
    const pending = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Pending
    return pending.exp * 1000 > clock() ? pending : undefined
  }
  const clearPending = (reply: FastifyReply): FastifyReply => reply.clearCookie(PENDING_COOKIE, { path: CALLBACK_PATH })

  app.get('/admin/login/oidc', { schema: { tags: ['access'], summary: 'Sign in with the operators\' identity provider (OPERATOR_OIDC_*): redirects to it' } }, async (_request, reply) => {
    const client = await configuration()
    const pending: Pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier(), exp: Math.floor(clock() / 1000) + PENDING_TTL_S }
    const body = Buffer.from(JSON.stringify(pending)).toString('base64url')
    const target = oidc.buildAuthorizationUrl(client, {
      redirect_uri: redirectUri(),
      scope: `openid email profile ${settings.claim}`,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce
    })
    reply.setCookie(PENDING_COOKIE, `${body}.${await mac(body)}`, { httpOnly: true, sameSite: 'lax', secure: secure(), path: CALLBACK_PATH, maxAge: PENDING_TTL_S })
    return await reply.header('cache-control', 'no-store').redirect(target.href, 302)
  })

  app.get(CALLBACK_PATH, { schema: { tags: ['access'], summary: 'Where the identity provider sends the operator back: opens a dashboard session' } }, async (request, reply) => {
    const pending = await readPending(request.cookies[PENDING_COOKIE])
    clearPending(reply)
    if (pending === undefined) throw new TokenmintError('UNAUTHORIZED', 'no sign-in is pending here (it expired, or was used): start again at /admin/login/oidc')
    const client = await configuration()
    let claims: Record<string, unknown>
    try {
      const tokens = await oidc.authorizationCodeGrant(client, new URL(request.url, config.publicUrl), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true
      })
      claims = { ...tokens.claims() }
      if (claims[settings.claim] === undefined && typeof claims.sub === 'string') {
        claims = { ...claims, ...await oidc.fetchUserInfo(client, tokens.access_token, claims.sub) }
      }
    } catch (err) {
      request.log.warn({ err: err instanceof Error ? { name: err.name, message: err.message } : String(err) }, 'single sign-on refused')
      throw new TokenmintError('UNAUTHORIZED', 'the sign-in could not be completed (state, code or ID token refused): start again at /admin/login/oidc')
    }
    const principal = oidcPrincipal(claims, settings.claim, settings.roles)
    if (principal === undefined) throw new TokenmintError('FORBIDDEN', `no value of the ${settings.claim} claim maps to a role (OPERATOR_OIDC_ROLES): ask an admin for access`)
    await openSession(app, reply, principal)
    return await reply.header('cache-control', 'no-store').redirect('/admin', 302)
  })
}
