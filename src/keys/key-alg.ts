// Which JWS algorithm an asymmetric key signs with, decided from its type, curve and size.
import type { KeyObject } from 'node:crypto'
import { ALGS, type Alg } from '../types.js'

export type AsymmetricAlg = Exclude<Alg, 'HS256'>

/** RSA keys below this size are refused. */
export const MIN_RSA_BITS = 2048
/** RSA keys above this size are refused: each signature would hold a threadpool thread for too long. */
export const MAX_RSA_BITS = 8192

export function isAlg (value: unknown): value is Alg {
  return typeof value === 'string' && (ALGS as readonly string[]).includes(value)
}

/** The algorithm a private or public key signs with, or why we refuse it (never echoing the key). */
export function algOfKey (key: KeyObject): { alg: AsymmetricAlg } | { reason: string } {
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
      if (bits < MIN_RSA_BITS) return { reason: `RSA keys need at least ${MIN_RSA_BITS} bits (this one has ${bits})` }
      if (bits > MAX_RSA_BITS) return { reason: `RSA keys may have at most ${MAX_RSA_BITS} bits (this one has ${bits})` }
      return { alg: 'RS256' }
    }
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { alg: 'ES256' }
      return { reason: 'EC keys must be on the P-256 curve' }
    case 'ed25519':
      return { alg: 'EdDSA' }
    default:
      return { reason: 'unsupported key type: use RSA (2048+ bits), EC P-256 or Ed25519' }
  }
}
