// Tokens for any JWT verifier: the tenant's static claims plus request claims its JSON Schema accepts, any algorithm.
import { randomUUID } from 'node:crypto'
import { Type, type Static } from 'typebox'
import { TokenmintError, type FieldError } from '../errors.js'
import type { JsonObject, Tenant } from '../types.js'
import { CUSTOM_OWNED_CLAIMS, putClaim, putClaims } from './claim-set.js'
import { compileClaimsSchema } from './custom-schema.js'
import { DEFAULT_POLICY } from './policy-defaults.js'
import type { Profile } from './profile.js'
import { TtlField } from './request-fields.js'
import { claimReasons, type ClaimCheck } from './verify-rules.js'

/** Documents the body only: its claims are checked by the tenant's claimsSchema. */
export const CustomRequestSchema = Type.Object({ ttl: TtlField }, {
  additionalProperties: true,
  description: 'Request claims at the top level, beside ttl, validated by the tenant\'s claimsSchema (JSON Schema draft 2020-12)'
})
export type CustomRequest = Static<typeof CustomRequestSchema>

export const CustomOptionsSchema = Type.Object({
  issuer: Type.Optional(Type.String({
    minLength: 1,
    maxLength: 2048,
    title: 'Issuer',
    description: 'iss of every token; takes precedence over the tenant\'s discovery issuer'
  })),
  audience: Type.Optional(Type.Union([
    Type.String({ minLength: 1, maxLength: 2048 }),
    Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { minItems: 1, maxItems: 16 })
  ], { title: 'Audience', description: 'aud of every token: a string, or a JSON list of strings' })),
  jti: Type.Optional(Type.Boolean({ title: 'Random jti', description: 'When true, every token carries a random UUID jti' }))
}, { additionalProperties: false })
export type CustomOptions = Static<typeof CustomOptionsSchema>

const optionsOf = (tenant: Tenant): CustomOptions => tenant.profileOptions as CustomOptions

/** Equal as issued: the same JSON, arrays in the same order. */
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** A token's request claims (all but those the profile and the static claims set) against the tenant's claims schema. */
function requestClaimReasons (tenant: Tenant, claims: JsonObject, check: (claims: JsonObject) => FieldError[]): string[] {
  const set = new Set<string>([...CUSTOM_OWNED_CLAIMS, ...Object.keys(tenant.staticClaims ?? {})])
  const requested = Object.fromEntries(Object.entries(claims).filter(([name]) => !set.has(name)))
  return check(requested).map(({ path, message }) => `claim ${path === '' ? '(the claims)' : path.slice(1)} ${message}`)
}

export const custom: Profile<'custom'> = {
  name: 'custom',
  title: 'Custom (any JWT verifier)',
  description: 'Tokens for any JWT verifier: the tenant\'s static claims plus request claims its JSON Schema accepts, any algorithm.',
  example: {
    request: { sub: 'u-1', role: 'agent', ttl: 900 },
    settings: {
      claimsSchema: {
        type: 'object',
        properties: { sub: { type: 'string', minLength: 1 }, role: { enum: ['member', 'agent'] } },
        required: ['sub'],
        additionalProperties: false
      }
    }
  },
  requestSchema: CustomRequestSchema,
  optionsSchema: CustomOptionsSchema,
  algs: ['HS256', 'RS256', 'ES256', 'EdDSA'],
  ttlBounds: {},
  policyDefaults: DEFAULT_POLICY,
  ownedClaims: CUSTOM_OWNED_CLAIMS,
  compileClaimsValidator (tenant) {
    if (tenant.claimsSchema === undefined) {
      throw new TokenmintError('INVALID_SCHEMA', 'claimsSchema is required for the custom profile', {
        errors: [{ path: '/claimsSchema', message: 'is required for the custom profile' }]
      })
    }
    return compileClaimsSchema(tenant.claimsSchema)
  },
  buildClaims ({ tenant, body, iat, exp, issuer }) {
    const options = optionsOf(tenant)
    const claims: JsonObject = {}
    if (tenant.staticClaims !== undefined) putClaims(claims, tenant.staticClaims)
    putClaims(claims, body)
    const iss = options.issuer ?? issuer
    if (iss !== undefined) putClaim(claims, 'iss', iss)
    if (options.audience !== undefined) putClaim(claims, 'aud', Array.isArray(options.audience) ? [...options.audience] : options.audience)
    if (options.jti === true) putClaim(claims, 'jti', randomUUID())
    putClaim(claims, 'iat', iat)
    putClaim(claims, 'exp', exp)
    return { claims }
  },
  configuredIssuer: tenant => optionsOf(tenant).issuer,
  verifyClaims (claims, tenant, { requestClaims }) {
    const audience = optionsOf(tenant).audience
    const checks: ClaimCheck[] = Object.entries(tenant.staticClaims ?? {})
      .map(([name, value]) => [name, sameJson(claims[name], value), 'must equal the tenant\'s static claim'])
    if (audience !== undefined) checks.push(['aud', sameJson(claims.aud, audience), 'must be the configured audience'])
    const reasons = claimReasons(checks)
    if (requestClaims !== undefined) reasons.push(...requestClaimReasons(tenant, claims, requestClaims))
    return reasons
  }
}
