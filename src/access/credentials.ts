// Scoped admin credentials: tmo_<id>_<secret>; only a SHA-256 of the secret is kept, compared in constant time.
import { randomBytes } from 'node:crypto'
import { hashSecret, secretMatchesDigest } from '../api-keys.js'
import type { Role } from './actions.js'

/** The shape of a scoped credential, as error messages show it. */
export const CREDENTIAL_SHAPE = 'tmo_<id>_<secret>'

const CREDENTIAL = /^tmo_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/
export const CREDENTIAL_ID_PATTERN = '^[a-f0-9]{16}$'

/** A credential as stored. Times are epoch ms. */
export interface CredentialRecord {
  id: string
  name: string
  role: Role
  /** The tenants of a tenant-admin; null for every other role. */
  tenants: string[] | null
  /** SHA-256 of the secret, hex (as hashSecret makes it). */
  hash: string
  createdAt: number
  expiresAt: number | null
}

/** A new credential: the record to store and the token, shown once. */
export function createCredential (fields: Pick<CredentialRecord, 'name' | 'role' | 'tenants' | 'expiresAt'>, now: number): { record: CredentialRecord, token: string } {
  const id = randomBytes(8).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  return { record: { id, ...fields, hash: hashSecret(secret), createdAt: now }, token: `tmo_${id}_${secret}` }
}

export function parseCredential (token: string): { id: string, secret: string } | undefined {
  const match = CREDENTIAL.exec(token)
  return match === null ? undefined : { id: match[1], secret: match[2] }
}

/** Whether `secret` is the record's, compared in constant time (both sides SHA-256 digests), and the record not expired at `now`. */
export function credentialValid (record: CredentialRecord, secret: string, now: number): boolean {
  const matches = secretMatchesDigest(Buffer.from(record.hash, 'hex').toString('base64url'), secret)
  return matches && (record.expiresAt === null || now < record.expiresAt)
}
