// Claim-set assembly no key can turn into a prototype write, the closing time claims, and the claim names profiles own.
import type { JsonObject } from '../types.js'

/** The JWT registered claims (RFC 7519 section 4.1): every profile sets them or keeps them out of requests. */
export const REGISTERED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'] as const

/** Claims the custom profile sets itself; `sub` stays a request claim there. */
export const CUSTOM_OWNED_CLAIMS = ['iss', 'aud', 'exp', 'nbf', 'iat', 'jti'] as const

/**
 * Sets an own, enumerable data property of a plain object. Security invariant: no claim name, `__proto__`
 * included, ever writes to a prototype. `__proto__` is the one accessor a plain object inherits, so only it
 * needs defineProperty; any other name assigned plainly gives the same own data property.
 */
export function putClaim (claims: JsonObject, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(claims, name, { value, enumerable: true, writable: true, configurable: true })
  else claims[name] = value
}

/** Copies every own enumerable member of `from` into `claims`. */
export function putClaims (claims: JsonObject, from: JsonObject): void {
  for (const name of Object.keys(from)) putClaim(claims, name, from[name])
}

/** Adds `iss` (when an issuer is given), `iat` and `exp`, in that order. */
export function withTimes (claims: JsonObject, times: { iat: number, exp: number, issuer?: string | undefined }): JsonObject {
  if (times.issuer !== undefined) claims.iss = times.issuer
  claims.iat = times.iat
  claims.exp = times.exp
  return claims
}
