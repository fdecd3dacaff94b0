// Derives every key's state from its timestamps and a time: the one place key state is decided.
import type { KeyVersion } from '../types.js'

/** Every state a key version can be in, in lifecycle order. */
export const KEY_STATES = ['pending', 'active', 'retiring', 'retired', 'revoked'] as const
export type KeyState = typeof KEY_STATES[number]

/** The timing fields the derivation needs. */
export type KeyTiming = Pick<KeyVersion, 'kid' | 'alg' | 'createdAt' | 'publishAt' | 'activateAt' | 'revokedAt'>

export interface KeyStatus<K extends KeyTiming> {
  key: K
  state: KeyState
  /** In the JWKS at this time (asymmetric keys only). */
  published: boolean
  /** When a newer key took over (retiring and retired keys). */
  supersededAt?: number
  /** When a retiring key stops being published. */
  retiresAt?: number
  /** When a pending key became active before its activateAt, because the active key was revoked (active keys only). */
  promotedAt?: number
}

export interface KeyringView<K extends KeyTiming> {
  at: number
  statuses: Array<KeyStatus<K>>
  /** The key new tokens are signed with, if any. */
  activeKey?: K
  /** Keys a verifier may need: pending after publishAt, active and retiring asymmetric keys. */
  publishedKeys: K[]
  /** The next time after `at` when any state changes, if one is known. */
  nextChangeAt?: number
}

/** Newest last: by activateAt, then createdAt, then position in the keyring. */
function byAge<K extends KeyTiming> (keys: readonly K[]): K[] {
  return keys.map((key, index) => ({ key, index }))
    .sort((a, b) => a.key.activateAt - b.key.activateAt || a.key.createdAt - b.key.createdAt || a.index - b.index)
    .map(entry => entry.key)
}

const revokedBy = (key: KeyTiming, t: number): boolean => key.revokedAt !== undefined && key.revokedAt <= t

/**
 * States of a keyring at time `at`. A superseded key stays published for `retireAfterMs`
 * (maxTtl + clockSkew + JWKS max-age) after the moment a newer key took over.
 *
 * Revoking the active key at r, when no newer key activates at r, promotes a successor at once: the newest
 * pending key already published at r (any pending key for HS256), which is active from r (its `promotedAt`)
 * although its stored activateAt is later; failing that, the newest other key that is neither revoked nor
 * retired; failing that, there is no active key. The promotion is derived from the stored revokedAt alone, so
 * every instance derives the same handover from the same keyring.
 */
export function deriveKeyring<K extends KeyTiming> (keys: readonly K[], at: number, retireAfterMs: number): KeyringView<K> {
  const ordered = byAge(keys)
  const position = new Map(ordered.map((key, index) => [key, index]))
  const supersededAt = new Map<K, number>()
  const promotedAt = new Map<K, number>()
  const activeFrom = (key: K): number => promotedAt.get(key) ?? key.activateAt
  const eligible = (key: K, t: number): boolean => {
    if (activeFrom(key) > t || revokedBy(key, t)) return false
    const since = supersededAt.get(key)
    return since === undefined || t < since + retireAfterMs
  }
  // Only a key that existed at the revocation: a key added later never takes over in the past.
  const promotable = (key: K, t: number): boolean => !promotedAt.has(key) && key.createdAt <= t && key.activateAt > t &&
    !revokedBy(key, t) && (key.alg === 'HS256' || key.publishAt <= t)

  const events = [...new Set(keys.flatMap(k => k.revokedAt === undefined ? [k.activateAt] : [k.activateAt, k.revokedAt]))]
    .filter(t => t <= at)
    .sort((a, b) => a - b)

  let activeKey: K | undefined
  for (const t of events) {
    let next: K | undefined
    for (const key of ordered) if (eligible(key, t)) next = key
    const revokedActive = activeKey !== undefined && revokedBy(activeKey, t)
    const older = next === undefined || (activeKey !== undefined && (position.get(next) ?? 0) < (position.get(activeKey) ?? 0))
    if (revokedActive && older) {
      let promoted: K | undefined
      for (const key of ordered) if (promotable(key, t)) promoted = key
      if (promoted !== undefined) {
        promotedAt.set(promoted, t)
        next = promoted
      }
    }
    for (const key of ordered) {
      if (key !== next && activeFrom(key) <= t && !revokedBy(key, t) && !supersededAt.has(key)) supersededAt.set(key, t)
    }
    if (next !== undefined) supersededAt.delete(next)
    activeKey = next
  }

  const future: number[] = []
  const statuses = keys.map((key): KeyStatus<K> => {
    const asymmetric = key.alg !== 'HS256'
    if (key.revokedAt !== undefined) {
      if (key.revokedAt <= at) return { key, state: 'revoked', published: false }
      future.push(key.revokedAt)
    }
    const promoted = promotedAt.get(key)
    if (promoted === undefined && key.activateAt > at) {
      future.push(key.activateAt)
      // Publication changes nothing for a symmetric key, which is never published.
      if (asymmetric && key.publishAt > at) future.push(key.publishAt)
      return { key, state: 'pending', published: asymmetric && key.publishAt <= at }
    }
    if (key === activeKey) return promoted === undefined ? { key, state: 'active', published: asymmetric } : { key, state: 'active', published: asymmetric, promotedAt: promoted }
    const since = supersededAt.get(key) ?? activeFrom(key)
    const retiresAt = since + retireAfterMs
    if (at < retiresAt) {
      future.push(retiresAt)
      return { key, state: 'retiring', published: asymmetric, supersededAt: since, retiresAt }
    }
    return { key, state: 'retired', published: false, supersededAt: since, retiresAt }
  })

  const view: KeyringView<K> = {
    at,
    statuses,
    publishedKeys: statuses.filter(s => s.published).map(s => s.key)
  }
  if (activeKey !== undefined) view.activeKey = activeKey
  if (future.length > 0) view.nextChangeAt = Math.min(...future)
  return view
}
