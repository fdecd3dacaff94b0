// What both event stores share: the delivery cursor.
import { invalid } from '../errors.js'
import type { DeliveryRecord } from './event-store.js'

/** Newest first: by creation time, then id, both descending. */
export function newestDeliveryFirst (a: Pick<DeliveryRecord, 'createdAt' | 'id'>, b: Pick<DeliveryRecord, 'createdAt' | 'id'>): number {
  return b.createdAt - a.createdAt || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0)
}

export function encodeDeliveryCursor (record: Pick<DeliveryRecord, 'createdAt' | 'id'>): string {
  return Buffer.from(`${record.createdAt}:${record.id}`, 'utf8').toString('base64url')
}

export function decodeDeliveryCursor (cursor: string): { createdAt: number, id: string } {
  const match = /^(\d+):(.+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (match === null || encodeDeliveryCursor({ createdAt: Number(match[1]), id: match[2] }) !== cursor) {
    throw invalid('cursor', 'is not a cursor returned by this listing')
  }
  return { createdAt: Number(match[1]), id: match[2] }
}
