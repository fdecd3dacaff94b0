// Signs compact JWTs with one key version: HMAC inline, RSA / ECDSA / EdDSA on the libuv threadpool.
import { createHmac, createPrivateKey, createSecretKey, sign, type KeyObject, type SignKeyObjectInput } from 'node:crypto'
import { TokenmintError } from '../errors.js'
import { algOfKey, isAlg } from '../keys/key-alg.js'
import type { Alg, JsonObject } from '../types.js'

export interface TokenSigner {
  readonly alg: Alg
  readonly kid: string
  /** `payload` is signed as given (the caller sets iat, exp...); `header` adds fields after alg, typ and kid. */
  sign (payload: JsonObject, header?: JsonObject): Promise<string>
}

type SignatureOf = (signingInput: string) => string | Promise<string>

/** Header members the signer owns; extra header fields may not set them. */
const RESERVED_HEADER = ['alg', 'typ', 'kid'] as const
/** Distinct extra headers whose encoding is kept; profiles use a handful, so this is never reached in practice. */
const MAX_CACHED_HEADERS = 64

const encodeJson = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')

function hmacSignature (secret: string): SignatureOf {
  if (typeof secret !== 'string' || secret.length === 0) throw new TokenmintError('INTERNAL', 'an HS256 secret must be a non-empty string')
  const key = createSecretKey(Buffer.from(secret, 'utf8'))
  return signingInput => createHmac('sha256', key).update(signingInput).digest('base64url')
}

function asymmetricSignature (alg: Exclude<Alg, 'HS256'>, pem: string): SignatureOf {
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    throw new TokenmintError('INTERNAL', `the ${alg} private key could not be read`)
  }
  const decided = algOfKey(privateKey)
  if (!('alg' in decided) || decided.alg !== alg) throw new TokenmintError('INTERNAL', `the private key does not sign with ${alg}`)

  // RS256: RSASSA-PKCS1-v1_5 with SHA-256 (the default padding); ES256: raw r|s as JWS wants; EdDSA: no digest.
  const digest = alg === 'EdDSA' ? null : 'sha256'
  const key: KeyObject | SignKeyObjectInput = alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey
  return signingInput => new Promise((resolve, reject) => {
    sign(digest, Buffer.from(signingInput, 'utf8'), key, (err, signature) => {
      if (err !== null) reject(err)
      else resolve(signature.toString('base64url'))
    })
  })
}

/** Parses the key once; every call then only encodes and signs. */
export function createTokenSigner (material: { alg: Alg, kid: string, secret: string }): TokenSigner {
  const { alg, kid } = material
  if (!isAlg(alg)) throw new TokenmintError('INTERNAL', 'a token signer needs one of the supported algorithms')
  if (typeof kid !== 'string' || kid === '') throw new TokenmintError('INTERNAL', 'a token signer needs a kid')
  const signatureOf = alg === 'HS256' ? hmacSignature(material.secret) : asymmetricSignature(alg, material.secret)

  const plainHeader = encodeJson({ alg, typ: 'JWT', kid })
  // Keyed by content, not identity: a caller that mutates its header object still gets the right header.
  const extendedHeaders = new Map<string, string>()

  const encodeHeader = (extra: JsonObject | undefined): string => {
    if (extra === undefined) return plainHeader
    if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
      throw new TokenmintError('INTERNAL', 'extra token header fields must be an object')
    }
    for (const name of RESERVED_HEADER) {
      if (Object.hasOwn(extra, name)) throw new TokenmintError('INTERNAL', `the token header field ${name} is set by the signer`)
    }
    const cacheKey = JSON.stringify(extra)
    if (cacheKey === '{}') return plainHeader
    let encoded = extendedHeaders.get(cacheKey)
    if (encoded === undefined) {
      encoded = encodeJson({ alg, typ: 'JWT', kid, ...extra })
      if (extendedHeaders.size < MAX_CACHED_HEADERS) extendedHeaders.set(cacheKey, encoded)
    }
    return encoded
  }

  return {
    alg,
    kid,
    async sign (payload, header) {
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new TokenmintError('INTERNAL', 'a token payload must be an object')
      }
      const signingInput = `${encodeHeader(header)}.${encodeJson(payload)}`
      return `${signingInput}.${await signatureOf(signingInput)}`
    }
  }
}
