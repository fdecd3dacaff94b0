// Building blocks shared by the profiles: common request fields, registered claim names and default token policy.
import { Type } from 'typebox'
import type { TokenPolicy } from '../types.js'

/** The JWT registered claims (RFC 7519 section 4.1): every profile sets them or keeps them out of requests. */
export const REGISTERED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'] as const

/** Claims the custom profile sets itself; `sub` stays a request claim there. */
export const CUSTOM_OWNED_CLAIMS = ['iss', 'aud', 'exp', 'nbf', 'iat', 'jti'] as const

/** Default policy of profiles without platform limits: one-hour tokens, 1 min to 24 h, 30 s of skew. */
export const DEFAULT_POLICY: Readonly<TokenPolicy> = Object.freeze({ defaultTtl: 3600, minTtl: 60, maxTtl: 86_400, clockSkew: 30 })

/** Limits every policy stays within, whatever the profile: 1 s to 30 days of lifetime, up to 10 min of skew. */
export const TTL_LIMITS = Object.freeze({ min: 1, max: 2_592_000 })
export const MAX_CLOCK_SKEW = 600

/** The optional `ttl` every request may carry; its range is checked against the tenant policy, never clamped. */
export const TtlField = Type.Optional(Type.Integer({
  description: 'Token lifetime in seconds; outside the tenant policy [minTtl, maxTtl] it is a 400 TTL_OUT_OF_RANGE'
}))

/** A required text field: an id or a name. */
export const Text = (description: string): ReturnType<typeof Type.String> =>
  Type.String({ minLength: 1, maxLength: 1024, description })

/** An optional or required email address (format email). */
export const Email = (description: string): ReturnType<typeof Type.String> =>
  Type.String({ format: 'email', maxLength: 320, description })

/** Options schema of a profile that takes none. */
export const NoOptions = Type.Object({}, { additionalProperties: false })
