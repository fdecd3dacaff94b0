// What both stores share so they behave the same: the opaque tenant cursor, API key order, marker lifetime.
import { invalid } from '../errors.js'
import type { ApiKeyRecord, VerifierFetch, VerifierRecord } from '../types.js'

/** Lifetime of a create-if-absent marker when the caller gives none. */
export const DEFAULT_ONCE_TTL_MS = 24 * 60 * 60 * 1000

/** The cursor of a tenant listing: the last id of the page, base64url. */
export function encodeCursor (id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url')
}

/** The id a cursor stands for; VALIDATION_FAILED for anything encodeCursor did not make. */
export function decodeCursor (cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8')
  if (id === '' || encodeCursor(id) !== cursor) throw invalid('cursor', 'is not a cursor returned by this listing')
  return id
}

/** API keys oldest first, then by id. */
export function byCreation (a: ApiKeyRecord, b: ApiKeyRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** Default AUDIT_RETENTION_DAYS (365), in ms. */
export const DEFAULT_AUDIT_RETENTION_MS = 365 * 24 * 60 * 60 * 1000
/** The audit index's bucket: one hour. */
export const AUDIT_BUCKET_MS = 60 * 60 * 1000

/** Where an audit entry sits in the log: its stream id (ms, seq; ms is its time, never smaller than the previous one) and its tenant. */
export interface AuditPosition {
  ms: number
  seq: number
  tenant: string
}

/** Newest first: by stream id, then by tenant id (descending), so a cursor is one exact place. */
export function newestAuditFirst (a: AuditPosition, b: AuditPosition): number {
  return b.ms - a.ms || b.seq - a.seq || (b.tenant < a.tenant ? -1 : b.tenant > a.tenant ? 1 : 0)
}

/** True when `item` comes after `cursor` in newest-first order. */
export function auditBefore (item: AuditPosition, cursor: AuditPosition): boolean {
  return newestAuditFirst(cursor, item) < 0
}

/** The cursor of an audit listing: the last entry of the page, "ms-seq:tenant" in base64url. */
export function encodeAuditCursor (position: AuditPosition): string {
  return Buffer.from(`${position.ms}-${position.seq}:${position.tenant}`, 'utf8').toString('base64url')
}

export function decodeAuditCursor (cursor: string): AuditPosition {
  const match = /^(\d{1,16})-(\d{1,16}):([a-z0-9][a-z0-9-]{0,62})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  const position = match === null ? undefined : { ms: Number(match[1]), seq: Number(match[2]), tenant: match[3] }
  if (position === undefined || encodeAuditCursor(position) !== cursor) throw invalid('/cursor', 'is not a cursor returned by this listing')
  return position
}

/** A verifier record with one flush's fetches merged in (the Redis script does the same in Lua). */
export function mergeVerifier (record: VerifierRecord | undefined, fetch: VerifierFetch): VerifierRecord {
  const merged: VerifierRecord = record === undefined
    ? { id: fetch.id, ip: fetch.ip, userAgent: fetch.userAgent, firstSeen: fetch.firstSeen, lastSeen: fetch.lastSeen, fetches: fetch.fetches, kids: [], kidsAt: 0 }
    : { ...record, firstSeen: Math.min(record.firstSeen, fetch.firstSeen), lastSeen: Math.max(record.lastSeen, fetch.lastSeen), fetches: record.fetches + fetch.fetches }
  if (fetch.kids !== undefined && (fetch.kidsAt ?? 0) >= merged.kidsAt) {
    merged.kids = [...fetch.kids]
    merged.kidsAt = fetch.kidsAt ?? 0
  }
  return merged
}
