// Signs compact JWTs with one key version: HMAC inline, RSA / ECDSA / EdDSA on the libuv threadpool.
import { createHmac, createPrivateKey, sign, type KeyObject, type SignKeyObjectInput } from 'node:crypto'
import { TokenmintError } from '../errors.js'
import { algOfKey, isAlg } from '../keys/key-alg.js'
import type { Alg, JsonObject } from '../types.js'

export interface TokenSigner {
  readonly alg: Alg
  readonly kid: string
  /** `payload` is signed as given (the caller sets iat, exp...); `header` adds fields after alg, typ and kid. */
  sign (payload: JsonObject, header?: JsonObject): Promise<string>
}

/** Header members the signer owns; extra header fields may not set them. */
const RESERVED_HEADER = ['alg', 'typ', 'kid'] as const
/** Distinct extra headers whose encoding is kept; profiles use a handful, so this is never reached in practice. */
const MAX_CACHED_HEADERS = 64

const encodeJson = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')

/**
 * One key version's signer: `alg` and `kid` are fixed when it is made, so every token it signs carries its key's
 * own alg (algorithms are pinned per key; never take the alg from a payload, a header or a request). The plain
 * header is encoded once. One object per signer, a class rather than closures (measured:
 * `npm run bench -- --cases tenants`).
 */
abstract class KeySigner implements TokenSigner {
  private readonly plainHeader: string
  /** Extra header fields (by content, not identity: a caller that mutates its header object still gets the right header) → encoded header. */
  private extendedHeaders?: Map<string, string>

  constructor (readonly alg: Alg, readonly kid: string) {
    this.plainHeader = encodeJson({ alg, typ: 'JWT', kid })
  }

  protected abstract signature (signingInput: string): string | Promise<string>

  async sign (payload: JsonObject, header?: JsonObject): Promise<string> {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new TokenmintError('INTERNAL', 'a token payload must be an object')
    }
    const signingInput = `${this.encodeHeader(header)}.${encodeJson(payload)}`
    return `${signingInput}.${await this.signature(signingInput)}`
  }

  private encodeHeader (extra: JsonObject | undefined): string {
    if (extra === undefined) return this.plainHeader
    if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
      throw new TokenmintError('INTERNAL', 'extra token header fields must be an object')
    }
    for (const name of RESERVED_HEADER) {
      if (Object.hasOwn(extra, name)) throw new TokenmintError('INTERNAL', `the token header field ${name} is set by the signer`)
    }
    const cacheKey = JSON.stringify(extra)
    if (cacheKey === '{}') return this.plainHeader
    this.extendedHeaders ??= new Map()
    let encoded = this.extendedHeaders.get(cacheKey)
    if (encoded === undefined) {
      encoded = encodeJson({ alg: this.alg, typ: 'JWT', kid: this.kid, ...extra })
      if (this.extendedHeaders.size < MAX_CACHED_HEADERS) this.extendedHeaders.set(cacheKey, encoded)
    }
    return encoded
  }
}

/**
 * HS256: HMAC-SHA256 inline, keyed with the secret string itself: createHmac takes its UTF-8 bytes, which is the
 * HMAC key every platform uses, so the string must not be decoded (base64 or hex) first. Kept as a string rather
 * than a Buffer or KeyObject (measured: `npm run bench -- --cases tenants`). The secret never leaves this object.
 */
class HmacSigner extends KeySigner {
  private readonly key: string

  constructor (kid: string, secret: string) {
    super('HS256', kid)
    if (typeof secret !== 'string' || secret.length === 0) throw new TokenmintError('INTERNAL', 'an HS256 secret must be a non-empty string')
    this.key = secret
  }

  protected signature (signingInput: string): string {
    return createHmac('sha256', this.key).update(signingInput).digest('base64url')
  }
}

/** RS256 / ES256 / EdDSA: on the libuv threadpool, with the key parsed once. */
class AsymmetricSigner extends KeySigner {
  /** RS256: RSASSA-PKCS1-v1_5 with SHA-256 (the default padding); ES256: raw r|s as JWS wants; EdDSA: no digest. */
  private readonly digest: string | null
  private readonly key: KeyObject | SignKeyObjectInput

  constructor (alg: Exclude<Alg, 'HS256'>, kid: string, pem: string) {
    super(alg, kid)
    let privateKey: KeyObject
    try {
      privateKey = createPrivateKey({ key: pem, format: 'pem' })
    } catch {
      throw new TokenmintError('INTERNAL', `the ${alg} private key could not be read`)
    }
    // Pinned: the key must sign with exactly `alg`, the alg the key version was stored with.
    const decided = algOfKey(privateKey)
    if (!('alg' in decided) || decided.alg !== alg) throw new TokenmintError('INTERNAL', `the private key does not sign with ${alg}`)
    this.digest = alg === 'EdDSA' ? null : 'sha256'
    this.key = alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey
  }

  protected signature (signingInput: string): Promise<string> {
    return new Promise((resolve, reject) => {
      sign(this.digest, Buffer.from(signingInput, 'utf8'), this.key, (err, signature) => {
        if (err !== null) reject(err)
        else resolve(signature.toString('base64url'))
      })
    })
  }
}

/** Parses the key once; every call then only encodes and signs. */
export function createTokenSigner (material: { alg: Alg, kid: string, secret: string }): TokenSigner {
  const { alg, kid } = material
  if (!isAlg(alg)) throw new TokenmintError('INTERNAL', 'a token signer needs one of the supported algorithms')
  if (typeof kid !== 'string' || kid === '') throw new TokenmintError('INTERNAL', 'a token signer needs a kid')
  return alg === 'HS256' ? new HmacSigner(kid, material.secret) : new AsymmetricSigner(alg, kid, material.secret)
}
