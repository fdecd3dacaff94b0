// Public JWK export of asymmetric keys (only public members) and RFC 7638 SHA-256 thumbprints.
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { TokenmintError, invalid } from '../errors.js'
import type { Alg, JsonObject } from '../types.js'
import { algOfKey } from './key-alg.js'

/** Public members per key type, in the order they are written. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x']
}

/** RFC 7638 §3.2 required members, lexicographically ordered. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty']
}

/** kty and the public members of an asymmetric key, private or public. */
function publicMembers (key: KeyObject): JsonObject {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key
  if (publicKey.type !== 'public') throw new TokenmintError('INTERNAL', 'a public JWK needs an asymmetric key')
  const exported = publicKey.export({ format: 'jwk' }) as JsonObject
  const kty = exported.kty
  const members = typeof kty === 'string' ? PUBLIC_MEMBERS[kty] : undefined
  if (members === undefined) throw new TokenmintError('INTERNAL', 'unsupported key type for a public JWK')
  const jwk: JsonObject = { kty }
  for (const name of members) jwk[name] = exported[name]
  return jwk
}

/**
 * The public JWK of `key` (private or public KeyObject): kty, its public members, kid, alg, use "sig".
 * Throws when the key does not sign with `alg`.
 */
export function publicJwk (key: KeyObject, kid: string, alg: Alg): JsonObject {
  const decided = algOfKey(key)
  if (!('alg' in decided) || decided.alg !== alg) {
    throw new TokenmintError('INTERNAL', `the key does not sign with ${String(alg)}`)
  }
  return { ...publicMembers(key), kid, alg, use: 'sig' }
}

/** The SPKI PEM of a public JWK: what platforms that take a public key rather than a JWKS URL ask for. */
export function publicKeyPem (jwk: JsonObject): string {
  return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
}

/** RFC 7638 JWK SHA-256 thumbprint, base64url. Only the required members of the key type count. */
export function thumbprint (jwk: JsonObject): string {
  const kty = jwk.kty
  const required = typeof kty === 'string' ? THUMBPRINT_MEMBERS[kty] : undefined
  if (required === undefined) throw invalid('jwk', 'kty must be RSA, EC, OKP or oct', 'INVALID_KEY')
  const canonical: Record<string, string> = {}
  for (const name of required) {
    const value = jwk[name]
    if (typeof value !== 'string' || value === '') throw invalid('jwk', `member ${name} is missing`, 'INVALID_KEY')
    canonical[name] = value
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url')
}

/** RFC 7638 thumbprint of an asymmetric key (private or public): the default kid of a key pair. */
export function keyThumbprint (key: KeyObject): string {
  return thumbprint(publicMembers(key))
}
