// Envelope encryption of key material: AES-256-GCM under a fresh data key per record, wrapped by the master key.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import type { MasterKey } from '../config.js'
import { TokenmintError } from '../errors.js'
import type { SealedBlob } from '../types.js'

/** What a sealed record is bound to: a blob moved to another tenant or kid does not open. */
export interface SealAad {
  tenant: string
  kid: string
}

export interface Sealer {
  /** Encrypts under the current master key. */
  seal (plaintext: string, aad: SealAad): SealedBlob
  /** Decrypts with the master key the blob names (current or previous); throws INTERNAL on any failure. */
  open (blob: SealedBlob, aad: SealAad): string
}

const CIPHER = 'aes-256-gcm'
const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
const WRAPPED_KEY_BYTES = IV_BYTES + KEY_BYTES + TAG_BYTES
const FORMAT = 'tokenmint/envelope/v1'

/** Associated data, JSON-encoded so that no two distinct (tenant, kid) pairs share an encoding. */
const dataAad = (aad: SealAad): Buffer => Buffer.from(JSON.stringify([FORMAT, 'material', aad.tenant, aad.kid]))
const wrapAad = (mk: string, aad: SealAad): Buffer => Buffer.from(JSON.stringify([FORMAT, 'data-key', mk, aad.tenant, aad.kid]))

/** iv | ciphertext | tag. */
function encrypt (key: KeyObject | Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const body = cipher.update(plaintext)
  const last = cipher.final()
  return Buffer.concat([iv, body, last, cipher.getAuthTag()])
}

function decrypt (key: KeyObject | Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value too short')
  const decipher = createDecipheriv(CIPHER, key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES })
  decipher.setAAD(aad)
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  const body = decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES))
  return Buffer.concat([body, decipher.final()])
}

function cannotOpen (): TokenmintError {
  // No cause and no detail: whatever failed, the message says nothing about the material or the keys.
  return new TokenmintError('INTERNAL', 'sealed key material could not be opened (wrong master key, or the record was altered or moved)')
}

/** A sealer that seals with `current` and opens records sealed with `current` or any of `previous`. */
export function createSealer (current: MasterKey, previous: MasterKey[] = []): Sealer {
  const masterKeys = new Map<string, KeyObject>()
  for (const master of [current, ...previous]) {
    if (master.key.length !== KEY_BYTES) throw new TokenmintError('INTERNAL', 'a master key must be 32 bytes')
    if (!masterKeys.has(master.id)) masterKeys.set(master.id, createSecretKey(master.key))
  }
  const currentKey = masterKeys.get(current.id) as KeyObject

  return {
    seal (plaintext, aad) {
      const dataKey = randomBytes(KEY_BYTES)
      const material = Buffer.from(plaintext, 'utf8')
      try {
        return {
          mk: current.id,
          dk: encrypt(currentKey, dataKey, wrapAad(current.id, aad)).toString('base64url'),
          ct: encrypt(dataKey, material, dataAad(aad)).toString('base64url')
        }
      } finally {
        dataKey.fill(0)
        material.fill(0)
      }
    },

    open (blob, aad) {
      const masterKey = typeof blob?.mk === 'string' ? masterKeys.get(blob.mk) : undefined
      if (masterKey === undefined) {
        throw new TokenmintError('INTERNAL', 'sealed key material names a master key that is not configured (MASTER_KEY, MASTER_KEY_PREVIOUS)')
      }
      if (typeof blob.dk !== 'string' || typeof blob.ct !== 'string') throw cannotOpen()
      let dataKey: Buffer | undefined
      let material: Buffer | undefined
      try {
        const wrapped = Buffer.from(blob.dk, 'base64url')
        if (wrapped.length !== WRAPPED_KEY_BYTES) throw cannotOpen()
        dataKey = decrypt(masterKey, wrapped, wrapAad(blob.mk, aad))
        material = decrypt(dataKey, Buffer.from(blob.ct, 'base64url'), dataAad(aad))
        return material.toString('utf8')
      } catch {
        throw cannotOpen()
      } finally {
        dataKey?.fill(0)
        material?.fill(0)
      }
    }
  }
}
