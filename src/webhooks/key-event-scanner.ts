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

/**
 * The transitions of a keyring in (from, to]: a published asymmetric key entering the JWKS, a key becoming active
 * (at its activateAt, or when promoted by a revocation), a retiring key leaving the JWKS. Oldest first.
 */
export function keyTransitions (snapshot: TenantSnapshot, from: number, to: number, jwksMaxAge: number): OutboxEvent[] {
  const view = deriveKeyring(snapshot.keys, to, retireAfterMs(snapshot.tenant.tokenPolicy, jwksMaxAge))
  const within = (t: number | undefined): t is number => t !== undefined && t > from && t <= to
  const tenant = snapshot.tenant.id
  const events: OutboxEvent[] = []
  for (const status of view.statuses) {
    const { key } = status
    const revokedBefore = (t: number): boolean => key.revokedAt !== undefined && key.revokedAt <= t
    if (key.alg !== 'HS256' && within(key.publishAt) && !revokedBefore(key.publishAt)) {
      events.push(newEvent('key.published', tenant, key.publishAt, keyData(key)))
    }
    const activeFrom = status.promotedAt ?? key.activateAt
    const wasActive = status.state === 'active' || ((status.state === 'retiring' || status.state === 'retired') && (status.supersededAt ?? 0) > activeFrom)
    if (wasActive && within(activeFrom)) events.push(newEvent('key.activated', tenant, activeFrom, keyData(key)))
    if (status.state === 'retired' && within(status.retiresAt)) events.push(newEvent('key.retired', tenant, status.retiresAt, keyData(key)))
  }
  return events.sort((a, b) => a.at - b.at)
}

/**
 * Each scan reads the tenants whose next transition is due, emits the transitions since the tenant's
 * emitted-through mark and moves the mark to now in one atomic step (so of several instances scanning at once, one
 * emits), then files the tenant under its next transition. No timer per tenant: one scan a tick for every tenant.
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
      const through = await events.timedThrough(tenant)
      // A tenant's first scan starts at the time it was marked (the write that put it in the index), not at its creation.
      const from = through ?? dueAt - 1
      const found = keyTransitions(snapshot, from, now, this.options.jwksMaxAge)
      if (!await events.emitTimedEvents(tenant, through, now, found)) continue
      emitted += found.length
      const next = deriveKeyring(snapshot.keys, now, retireAfterMs(snapshot.tenant.tokenPolicy, this.options.jwksMaxAge)).nextChangeAt
      await events.rescheduleKeyTimes(tenant, dueAt, next ?? null)
    }
    return emitted
  }
}
