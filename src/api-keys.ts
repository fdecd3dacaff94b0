// API keys of tenant backends: tm_<tenant>_<id>_<secret>; only a SHA-256 of the secret is kept.
import * as crypto from 'node:crypto'
import { createHash, randomBytes } from 'node:crypto'
import { TENANT_SLUG } from './schemas/common.js'
import type { ApiKeyRecord } from './types.js'

/** The shape of an API key, as error messages show it. */
export const API_KEY_SHAPE = 'tm_<tenant>_<id>_<secret>'

export interface ParsedApiKey {
  tenant: string
  id: string
  secret: string
}

const API_KEY = new RegExp(`^tm_(${TENANT_SLUG})_([A-Za-z0-9]{8,32})_([A-Za-z0-9_-]{43})$`)

/** The stored form of a secret (ApiKeyRecord.hash): its SHA-256 in hex. Stored records depend on this format. */
export function hashSecret (secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** A new key: the record to store and the full key, shown once. */
export function createApiKey (tenant: string, name: string, now: number): { record: ApiKeyRecord, apiKey: string } {
  const id = randomBytes(8).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  return {
    record: { id, tenant, name, hash: hashSecret(secret), createdAt: now },
    apiKey: `tm_${tenant}_${id}_${secret}`
  }
}

export function parseApiKey (value: string): ParsedApiKey | undefined {
  const match = API_KEY.exec(value)
  if (match === null) return undefined
  return { tenant: match[1], id: match[2], secret: match[3] }
}

/** SHA-256 of a string's UTF-8 bytes, in base64url: one-shot crypto.hash where Node has it (20.12+), a Hash object otherwise. */
const sha256Base64url: (text: string) => string = typeof crypto.hash === 'function'
  ? text => crypto.hash('sha256', text, 'base64url')
  : text => createHash('sha256').update(text).digest('base64url')

/** A stored hash (hex, as hashSecret makes it) in the form secretMatchesDigest takes: base64url, 43 characters. */
export function storedDigest (record: ApiKeyRecord): string {
  return Buffer.from(record.hash, 'hex').toString('base64url')
}

/**
 * Compares two strings of the same length in time that depends on the length only: every character is visited
 * and no branch depends on the contents. For fixed-length values such as digests; strings of different
 * lengths are unequal at once (their lengths are not secret).
 * Security: keep it branch-free over the whole length; `===` or an early exit would time how many leading
 * characters match.
 */
export function constantTimeEqual (a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return difference === 0
}

/**
 * Whether the presented secret is the one behind a stored digest. Compared in constant time; both sides are
 * SHA-256 digests in base64url (43 characters), so the time depends on nothing secret. Digests are kept as
 * strings rather than bytes (measured: `npm run bench -- --cases tenants`).
 */
export function secretMatchesDigest (digest: string, secret: string): boolean {
  return constantTimeEqual(digest, sha256Base64url(secret))
}

/** Extracts the token of an `Authorization: Bearer <token>` header. */
export function bearerToken (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer +(\S+)\s*$/i.exec(header)
  return match === null ? undefined : match[1]
}

/**
 * Constant-time comparison of two strings of possibly different lengths (the admin token): their SHA-256 digests
 * are compared, so neither the contents nor the length of the expected value shows in the time taken.
 */
export function safeEqual (a: string, b: string): boolean {
  return constantTimeEqual(sha256Base64url(a), sha256Base64url(b))
}
