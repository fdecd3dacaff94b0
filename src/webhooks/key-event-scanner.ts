// Time-driven key events (published, activated, retired): found through the key-time index, emitted once per transition.
import { deriveKeyring } from '../keys/key-state.js'
import { retireAfterMs } from '../keys/policy.js'
import type { Store } from '../store/store.js'
import type { Clock, TenantSnapshot } from '../types.js'
import { keyData, newEvent, type OutboxEvent } from './events.js'

export interface KeyEventScannerOptions {
  store: Store
  clock: Clock
  jwksMaxAge: number
  /** Most tenants looked at in one scan. */
  batch?: number
}

/** Transitions older than this when first seen are not emitted (a keyring indexed long after its keys changed). */
export const TRANSITION_LOOKBACK_MS = 24 * 60 * 60 * 1000
/** A transition's marker outlives the lookback, so no transition is emitted twice. */
const MARKER_TTL_MS = 8 * TRANSITION_LOOKBACK_MS

/**
 * The transitions of a keyring in (from, to], each with its marker "<type>:<kid>": a published asymmetric key entering
 * the JWKS, a key becoming active (at its activateAt, or when promoted by a revocation), a retiring key leaving it.
 */
export function keyTransitions (snapshot: TenantSnapshot, from: number, to: number, jwksMaxAge: number): Array<{ marker: string, event: OutboxEvent }> {
  const view = deriveKeyring(snapshot.keys, to, retireAfterMs(snapshot.tenant.tokenPolicy, jwksMaxAge))
  const within = (t: number | undefined): t is number => t !== undefined && t > from && t <= to
  const tenant = snapshot.tenant.id
  const found: Array<{ marker: string, event: OutboxEvent }> = []
  const add = (type: 'key.published' | 'key.activated' | 'key.retired', at: number, key: TenantSnapshot['keys'][number]): void => {
    found.push({ marker: `${type}:${key.kid}`, event: newEvent(type, tenant, at, keyData(key)) })
  }
  for (const status of view.statuses) {
    const { key } = status
    const revokedBefore = (t: number): boolean => key.revokedAt !== undefined && key.revokedAt <= t
    if (key.alg !== 'HS256' && within(key.publishAt) && !revokedBefore(key.publishAt)) add('key.published', key.publishAt, key)
    const activeFrom = status.promotedAt ?? key.activateAt
    const wasActive = status.state === 'active' || ((status.state === 'retiring' || status.state === 'retired') && (status.supersededAt ?? 0) > activeFrom)
    if (wasActive && within(activeFrom)) add('key.activated', activeFrom, key)
    if (status.state === 'retired' && within(status.retiresAt)) add('key.retired', status.retiresAt, key)
  }
  return found.sort((a, b) => a.event.at - b.event.at)
}

/**
 * Each scan reads the tenants whose next transition is due, emits every transition of the lookback window whose
 * marker is new (marker and outbox entry in one atomic step, so of several instances scanning at once, one emits),
 * then files the tenant under its next transition. No timer per tenant: one scan a tick for every due tenant.
 */
export class KeyEventScanner {
  constructor (private readonly options: KeyEventScannerOptions) {}

  /** Resolves with the number of events this instance emitted. */
  async scan (): Promise<number> {
    const { store, clock } = this.options
    const events = store.eventStore
    let emitted = 0
    for (const { tenant, dueAt } of await events.dueKeyTimes(clock(), this.options.batch ?? 100)) {
      const now = clock()
      const snapshot = await store.getSnapshot(tenant)
      if (snapshot === undefined) {
        await events.rescheduleKeyTimes(tenant, dueAt, null)
        continue
      }
      emitted += await events.emitOnce(tenant, keyTransitions(snapshot, now - TRANSITION_LOOKBACK_MS, now, this.options.jwksMaxAge), MARKER_TTL_MS)
      const next = deriveKeyring(snapshot.keys, now, retireAfterMs(snapshot.tenant.tokenPolicy, this.options.jwksMaxAge)).nextChangeAt
      await events.rescheduleKeyTimes(tenant, dueAt, next ?? null)
    }
    return emitted
  }
}
