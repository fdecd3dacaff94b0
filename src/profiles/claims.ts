// Claim-set assembly that no key can turn into a prototype write, and the time claims every profile ends with.
import type { JsonObject } from '../types.js'

/** Sets an own, enumerable property: a key such as `__proto__` stays data, never reaches the prototype. */
export function putClaim (claims: JsonObject, name: string, value: unknown): void {
  Object.defineProperty(claims, name, { value, enumerable: true, writable: true, configurable: true })
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
