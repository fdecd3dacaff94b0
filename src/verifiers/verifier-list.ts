// The verifier list of the admin API: a tenant's verifiers, most recently seen first, paginated with an opaque cursor.
import { TokenmintError, invalid } from '../errors.js'
import type { VerifierList, VerifierView } from '../schemas/verifiers.js'
import type { Store } from '../store/store.js'
import { iso } from '../time.js'
import type { VerifierRecord } from '../types.js'

const mostRecentFirst = (a: VerifierRecord, b: VerifierRecord): number => b.lastSeen - a.lastSeen || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const encode = (record: VerifierRecord): string => Buffer.from(`${record.lastSeen}:${record.id}`, 'utf8').toString('base64url')

function decode (cursor: string): { lastSeen: number, id: string } {
  const match = /^(\d{1,16}):([0-9a-f]{16})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (match === null) throw invalid('/cursor', 'is not a cursor returned by this listing')
  return { lastSeen: Number(match[1]), id: match[2] }
}

export const verifierView = (record: VerifierRecord): VerifierView => ({
  id: record.id,
  ip: record.ip,
  userAgent: record.userAgent,
  firstSeen: iso(record.firstSeen),
  lastSeen: iso(record.lastSeen),
  fetches: record.fetches,
  kids: record.kids
})

/** One page of a tenant's verifiers (TENANT_NOT_FOUND for an unknown tenant). */
export async function listVerifiers (store: Store, tenantId: string, query: { cursor?: string, limit?: number }): Promise<VerifierList> {
  if (await store.getSnapshot(tenantId) === undefined) throw new TokenmintError('TENANT_NOT_FOUND', `tenant ${tenantId} does not exist`)
  const limit = query.limit ?? 100
  const after = query.cursor === undefined ? undefined : decode(query.cursor)
  const records = (await store.getVerifiers(tenantId)).sort(mostRecentFirst)
    .filter(record => after === undefined || record.lastSeen < after.lastSeen || (record.lastSeen === after.lastSeen && record.id > after.id))
  const page = records.slice(0, limit)
  return { items: page.map(verifierView), nextCursor: records.length > limit ? encode(page[page.length - 1]) : null }
}
