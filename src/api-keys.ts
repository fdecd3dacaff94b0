// API keys of tenant backends: tm_<tenant>_<id>_<secret>; only a SHA-256 of the secret is kept.
import * as crypto from 'node:crypto'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ApiKeyRecord } from './types.js'

export interface ParsedApiKey {
  tenant: string
  id: string
  secret: string
}

const API_KEY = /^tm_([a-z0-9][a-z0-9-]{1,62})_([A-Za-z0-9]{8,32})_([A-Za-z0-9_-]{43})$/

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

/** SHA-256 of a string's UTF-8 bytes: one-shot crypto.hash where Node has it (20.12+), a Hash object otherwise. */
const sha256: (text: string) => Buffer = typeof crypto.hash === 'function'
  ? text => crypto.hash('sha256', text, 'buffer')
  : text => createHash('sha256').update(text).digest()

/**
 * The stored hash of a key as bytes, for secretMatchesDigest (decoded once per record, not per request), in a
 * buffer of its own: a small Buffer.from would be a view of Node's shared 8 KB pool slab, which every cached key
 * would keep alive and which reading the digest would touch.
 */
export function storedDigest (record: ApiKeyRecord): Uint8Array {
  const digest = Buffer.alloc(Math.floor(record.hash.length / 2))
  digest.write(record.hash, 'hex')
  return digest
}

/** Compares the presented secret with a stored digest (see storedDigest) in constant time. */
export function secretMatchesDigest (expected: Uint8Array, secret: string): boolean {
  const actual = sha256(secret)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/** Compares the presented secret with the stored hash in constant time. */
export function secretMatches (record: ApiKeyRecord, secret: string): boolean {
  return secretMatchesDigest(storedDigest(record), secret)
}

/** Extracts the token of an `Authorization: Bearer <token>` header. */
export function bearerToken (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer +(\S+)\s*$/i.exec(header)
  return match === null ? undefined : match[1]
}

/** Constant-time comparison of two strings of possibly different lengths. */
export function safeEqual (a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest()
  const right = createHash('sha256').update(b).digest()
  return timingSafeEqual(left, right) && a.length === b.length
}
