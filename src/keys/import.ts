// Validates imported key material: an HS256 secret pasted from a platform's dashboard, or a PEM private key.
import { Buffer } from 'node:buffer'
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { invalid } from '../errors.js'
import { ALGS } from '../types.js'
import type { KeyMaterial } from './generate.js'
import { algOfKey, isAlg } from './key-alg.js'
import { keyThumbprint, publicJwk } from './jwk.js'

const KID = /^[A-Za-z0-9._:-]{1,128}$/
const MIN_SECRET_LENGTH = 16
const MAX_SECRET_LENGTH = 512
/** A placeholder such as `<secret from the Smooch dashboard>`: no platform shows a secret in angle brackets. */
const PLACEHOLDER = /^\s*<[^]*>\s*$/
/** Far above any PEM we accept (an 8192-bit RSA key in PKCS#1 is about 6.3 KB); bounds the parse. */
const MAX_PEM_LENGTH = 16_384

function checkKid (kid: unknown): string {
  if (typeof kid !== 'string' || !KID.test(kid)) {
    throw invalid('/kid', 'must be 1 to 128 characters of letters, digits, ".", "_", ":" or "-"')
  }
  return kid
}

/** RFC 7518 §3.2: an HS256 key has at least the hash's 256 bits. Shorter imported secrets are taken, with a warning. */
export const HS256_SECRET_MIN_BYTES = 32

/** What to tell the operator about an imported HS256 secret: platforms issue short ones, so it is a warning, not a refusal. */
export function importedSecretWarnings (secret: string): string[] {
  const bytes = Buffer.byteLength(secret, 'utf8')
  if (bytes >= HS256_SECRET_MIN_BYTES) return []
  return [`the imported HS256 secret has ${bytes} bytes, under the ${HS256_SECRET_MIN_BYTES} (256 bits) RFC 7518 asks for: ` +
    'tokens signed with it are easier to forge by guessing the secret; use a longer one if the platform offers it']
}

/** An HS256 secret, kept exactly as given (a placeholder in angle brackets is refused): the HMAC key is its UTF-8 bytes. */
export function importSecret (input: { kid: string, secret: string }): KeyMaterial {
  const kid = checkKid(input.kid)
  const secret: unknown = input.secret
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH) {
    throw invalid('/secret', `must be a string of ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters`)
  }
  if (PLACEHOLDER.test(secret)) {
    throw invalid('/secret', 'is a placeholder ("<...>"): paste the secret the platform\'s dashboard shows')
  }
  return { alg: 'HS256', kid, secret }
}

function parsePrivateKey (pem: unknown): KeyObject {
  const refused = invalid('/privateKeyPem', 'must be an unencrypted PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC)')
  if (typeof pem !== 'string' || pem.length === 0 || pem.length > MAX_PEM_LENGTH || !pem.includes('-----BEGIN ')) throw refused
  try {
    // A public key, a certificate or an encrypted key throws here; the error is dropped so nothing of the input leaks.
    return createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    throw refused
  }
}

/**
 * A PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC). The algorithm follows from the key: RSA of 2048 to 8192
 * bits signs RS256, EC P-256 ES256, Ed25519 EdDSA; a given `alg` must agree. Stored as PKCS#8 PEM; the kid
 * defaults to the RFC 7638 thumbprint.
 */
export function importPrivateKeyPem (input: { privateKeyPem: string, alg?: string, kid?: string }): KeyMaterial {
  if (input.alg !== undefined && (!isAlg(input.alg) || input.alg === 'HS256')) {
    throw invalid('/alg', `must be one of ${ALGS.filter(a => a !== 'HS256').join(', ')} for a private key`)
  }
  const kid = input.kid === undefined ? undefined : checkKid(input.kid)
  const privateKey = parsePrivateKey(input.privateKeyPem)
  const decided = algOfKey(privateKey)
  if ('reason' in decided) throw invalid('/privateKeyPem', decided.reason)
  if (input.alg !== undefined && input.alg !== decided.alg) {
    throw invalid('/alg', `does not match the key, which signs ${decided.alg}`)
  }
  const publicKey = createPublicKey(privateKey)
  const finalKid = kid ?? keyThumbprint(publicKey)
  return {
    alg: decided.alg,
    kid: finalKid,
    secret: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicJwk: publicJwk(publicKey, finalKid, decided.alg)
  }
}
