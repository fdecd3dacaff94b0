// Generates the material of a new key version: an HS256 secret, or an RS256 / ES256 / EdDSA key pair.
import { generateKeyPair, randomBytes, type KeyPairKeyObjectResult } from 'node:crypto'
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

const MODULUS_LENGTHS: readonly number[] = [2048, 3072, 4096]

const generateKeyPairAsync = promisify(generateKeyPair)

async function keyPair (alg: AsymmetricAlg, modulusLength: number): Promise<KeyPairKeyObjectResult> {
  switch (alg) {
    case 'RS256': return await generateKeyPairAsync('rsa', { modulusLength, publicExponent: 0x10001 })
    case 'ES256': return await generateKeyPairAsync('ec', { namedCurve: 'P-256' })
    case 'EdDSA': return await generateKeyPairAsync('ed25519')
  }
}

/** New random material for `alg`; key pairs are generated off the event loop and named by their thumbprint. */
export async function generateKey (alg: Alg, options: GenerateOptions = {}): Promise<KeyMaterial> {
  if (!isAlg(alg)) throw invalid('/alg', `must be one of ${ALGS.join(', ')}`)
  const modulusLength = options.modulusLength ?? 2048
  if (!MODULUS_LENGTHS.includes(modulusLength)) throw invalid('/modulusLength', 'must be 2048, 3072 or 4096')

  if (alg === 'HS256') {
    return { alg, kid: `hs_${randomBytes(16).toString('base64url')}`, secret: randomBytes(32).toString('base64url') }
  }

  const { publicKey, privateKey } = await keyPair(alg, modulusLength)
  const kid = keyThumbprint(publicKey)
  return {
    alg,
    kid,
    secret: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicJwk: publicJwk(publicKey, kid, alg)
  }
}
