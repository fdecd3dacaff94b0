// Sceyt chat access tokens: sub, the application id (aid) and a not-before, RS256, lifetime 10 minutes to 12 hours.
import { Type, type Static } from 'typebox'
import { TokenmintError } from '../errors.js'
import type { JsonObject } from '../types.js'
import { DEFAULT_POLICY } from './policy-defaults.js'
import type { Profile } from './profile.js'
import { Text, TtlField } from './request-fields.js'
import { claimReasons, isNonEmptyString } from './verify-rules.js'

export const SCEYT_MIN_TTL = 600
export const SCEYT_MAX_TTL = 43_200

export const SceytRequestSchema = Type.Object({
  sub: Text('The user id the token is for'),
  notBefore: Type.Optional(Type.Integer({
    minimum: 0,
    description: 'Seconds after iat before the token may be used (nbf = iat + notBefore); default 0, less than the ttl'
  })),
  ttl: TtlField
}, { additionalProperties: false })
export type SceytRequest = Static<typeof SceytRequestSchema>

export const SceytOptionsSchema = Type.Object({
  applicationId: Type.String({
    maxLength: 1024,
    pattern: '^[^<>\\s]+$',
    title: 'Application id',
    description: 'The Sceyt application id, sent as the aid claim (no spaces or angle brackets: a "<...>" placeholder is refused)'
  })
}, { additionalProperties: false })
export type SceytOptions = Static<typeof SceytOptionsSchema>

export const sceyt: Profile<'sceyt'> = {
  name: 'sceyt',
  title: 'Sceyt',
  description: 'Chat access tokens for Sceyt: sub, the application id (aid) and a not-before, RS256 published in the JWKS, 10 minutes to 12 hours.',
  example: { request: { sub: 'user-1', ttl: 3600 }, settings: { profileOptions: { applicationId: '8lwox2ge93' } } },
  requestSchema: SceytRequestSchema,
  optionsSchema: SceytOptionsSchema,
  algs: ['RS256'],
  ttlBounds: { min: SCEYT_MIN_TTL, max: SCEYT_MAX_TTL },
  policyDefaults: { ...DEFAULT_POLICY, minTtl: SCEYT_MIN_TTL, maxTtl: SCEYT_MAX_TTL },
  // `sub` is a request field here, not a claim the profile sets.
  ownedClaims: ['aid', 'iss', 'aud', 'exp', 'nbf', 'iat', 'jti'],
  buildClaims ({ tenant, body, iat, exp, issuer }) {
    const notBefore = typeof body.notBefore === 'number' ? body.notBefore : 0
    if (notBefore >= exp - iat) {
      const message = `must be less than the token lifetime (${exp - iat} s)`
      throw new TokenmintError('VALIDATION_FAILED', `/notBefore ${message}`, { errors: [{ path: '/notBefore', message }] })
    }
    const claims: JsonObject = { sub: body.sub, aid: tenant.profileOptions.applicationId }
    if (issuer !== undefined) claims.iss = issuer
    claims.iat = iat
    claims.nbf = iat + notBefore
    claims.exp = exp
    return { claims }
  },
  verifyClaims: (claims, tenant) => claimReasons([
    ['sub', isNonEmptyString(claims.sub), 'must be a non-empty string'],
    ['aid', claims.aid === tenant.profileOptions.applicationId, 'must be the application id'],
    ['nbf', typeof claims.nbf === 'number', 'is required']
  ])
}
