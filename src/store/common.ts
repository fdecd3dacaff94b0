// What both stores share so they behave the same: the opaque tenant cursor, API key order, marker lifetime.
import { invalid } from '../errors.js'
import type { ApiKeyRecord } from '../types.js'

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
