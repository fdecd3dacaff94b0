// Generates the material of a new key version: an HS256 secret, or an RS256 / ES256 / EdDSA key pair.
import { generateKeyPair, randomBytes, type KeyObject, type KeyPairKeyObjectResult } from 'node:crypto'
import { promisify } from 'node:util'
import { invalid } from '../errors.js'
import { ALGS, type Alg, type JsonObject } from '../types.js'
import { isAlg, type AsymmetricAlg } from './key-alg.js'
import { keyThumbprint, publicJwk } from './jwk.js'

export interface KeyMaterial {
  alg: Alg
  kid: string
  /** HS256: the secret string (the HMAC key is its UTF-8 bytes); otherwise the PKCS#8 PEM private key. */
  secret: string
  /** Asymmetric keys only: kty, public members, kid, alg, use. */
  publicJwk?: JsonObject
}

export interface GenerateOptions {
  /** RSA modulus size; 2048 unless asked. */
  modulusLength?: 2048 | 3072 | 4096
}

/** Makes key material; the app's is a KeygenPool, which makes RSA pairs in worker threads. */
export interface KeyGenerator {
  generate: (alg: Alg, options?: GenerateOptions) => Promise<KeyMaterial>
}

const MODULUS_LENGTHS: readonly number[] = [2048, 3072, 4096]

/** The RSA modulus asked for, 2048 by default; anything but 2048, 3072 or 4096 is refused. */
export function modulusLengthOf (options: GenerateOptions): number {
  const modulusLength = options.modulusLength ?? 2048
  if (!MODULUS_LENGTHS.includes(modulusLength)) throw invalid('/modulusLength', 'must be 2048, 3072 or 4096')
  return modulusLength
}

/** The material of a generated key pair, named by the RFC 7638 thumbprint of its public key. */
export function pairMaterial (alg: AsymmetricAlg, publicKey: KeyObject, privateKey: KeyObject): KeyMaterial {
  const kid = keyThumbprint(publicKey)
  return {
    alg,
    kid,
    secret: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicJwk: publicJwk(publicKey, kid, alg)
  }
}

const generateKeyPairAsync = promisify(generateKeyPair)

async function keyPair (alg: AsymmetricAlg, modulusLength: number): Promise<KeyPairKeyObjectResult> {
  switch (alg) {
    case 'RS256': return await generateKeyPairAsync('rsa', { modulusLength, publicExponent: 0x10001 })
    case 'ES256': return await generateKeyPairAsync('ec', { namedCurve: 'P-256' })
    case 'EdDSA': return await generateKeyPairAsync('ed25519')
  }
}

/** New random material for `alg`; key pairs are generated on the libuv threadpool (the app makes RSA pairs in a KeygenPool instead) and named by their thumbprint. */
export async function generateKey (alg: Alg, options: GenerateOptions = {}): Promise<KeyMaterial> {
  if (!isAlg(alg)) throw invalid('/alg', `must be one of ${ALGS.join(', ')}`)
  const modulusLength = modulusLengthOf(options)

  if (alg === 'HS256') {
    return { alg, kid: `hs_${randomBytes(16).toString('base64url')}`, secret: randomBytes(32).toString('base64url') }
  }

  const { publicKey, privateKey } = await keyPair(alg, modulusLength)
  return pairMaterial(alg, publicKey, privateKey)
}
