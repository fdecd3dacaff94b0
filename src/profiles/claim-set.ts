// Claim-set assembly that no key can turn into a prototype write, and the time claims every profile ends with.
import type { JsonObject } from '../types.js'

/**
 * Sets an own, enumerable property: a key such as `__proto__` stays data, never reaches the prototype. On a plain
 * object only `__proto__` is an accessor inherited from Object.prototype, so every other name is set by plain
 * assignment (the same own data property, without defineProperty's slow path on every claim of every token).
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
