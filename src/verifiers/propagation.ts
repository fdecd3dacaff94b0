// Propagation-gated activation as pure functions of a key, the tenant's verifiers and a time: who has a key, and what the gate does next.
import { invalid } from '../errors.js'
import { checkPeriodSeconds } from '../keys/policy.js'
import type { KeyVersion, VerifierRecord } from '../types.js'

/**
 * How long before a gated key's activateAt the gate decides whether to hold it: the key must still be pending when
 * the postponement is written, and recording is up to 1 s behind.
 */
export const GATE_LOOKAHEAD_MS = 2000

/** Verifiers seen within the window before `now`, and how many of them hold `kid`. */
export function verifierCounts (verifiers: readonly VerifierRecord[], kid: string, now: number, windowMs: number): { seen: number, withKey: number } {
  let seen = 0
  let withKey = 0
  for (const verifier of verifiers) {
    if (verifier.lastSeen < now - windowMs) continue
    seen++
    if (verifier.kids.includes(kid)) withKey++
  }
  return { seen, withKey }
}

/** A key the gate still watches: gated, not revoked, not settled. */
export const watched = (key: KeyVersion): boolean =>
  key.activateBy !== undefined && key.gateSettledAt === undefined && key.revokedAt === undefined

/** A gated key whose activateAt was moved to its deadline (a gated key is created with activateBy after activateAt). */
export const postponed = (key: KeyVersion): boolean => key.activateBy !== undefined && key.activateAt >= key.activateBy

export type GateStep =
  /** Nothing to write; look again at `at`. */
  | { action: 'wait', at: number }
  /** Hold the key: move activateAt to activateBy. */
  | { action: 'postpone', activateAt: number }
  /** Every verifier has it: activate now, and stop watching. */
  | { action: 'release', activateAt: number }
  /** It activated by its stored time (on time, or at activateBy): stop watching. */
  | { action: 'settle' }

/**
 * What the gate does with a watched key at `now`. Before activateAt - GATE_LOOKAHEAD_MS it waits. From then on, while
 * a verifier seen within the window lacks the key, a key not yet postponed is postponed to activateBy, and a
 * postponed one waits (it activates by itself at activateBy). Once none lacks it, a postponed key is released now; a
 * key never postponed keeps its time. A key whose activateAt has passed is settled.
 */
export function gateStep (key: KeyVersion, verifiers: readonly VerifierRecord[], now: number, windowMs: number): GateStep {
  if (key.activateAt <= now) return { action: 'settle' }
  const held = postponed(key)
  if (!held && key.activateAt - GATE_LOOKAHEAD_MS > now) return { action: 'wait', at: key.activateAt - GATE_LOOKAHEAD_MS }
  const { seen, withKey } = verifierCounts(verifiers, key.kid, now, windowMs)
  if (withKey < seen) return held ? { action: 'wait', at: now } : { action: 'postpone', activateAt: key.activateBy ?? key.activateAt }
  return held ? { action: 'release', activateAt: now } : { action: 'wait', at: now }
}

/** Default `maxDelay`, seconds: a gated key activates at most one day late. A maxDelay of 0 leaves nothing to wait for. */
export const DEFAULT_MAX_DELAY = 86_400

/**
 * The gate of a rotation request: undefined without `waitForVerifiers`, else `maxDelay` in seconds. A 400 naming the
 * field for a maxDelay without waitForVerifiers, or a gate on a symmetric tenant (an HS256 key is never published,
 * so no verifier can ever receive it).
 */
export function gateOf (input: { waitForVerifiers?: boolean, maxDelay?: number }, alg: string): number | undefined {
  if (input.waitForVerifiers !== true) {
    if (input.maxDelay !== undefined) throw invalid('/maxDelay', 'applies only with waitForVerifiers: true')
    return undefined
  }
  if (alg === 'HS256') throw invalid('/waitForVerifiers', 'an HS256 key is never published, so no verifier can receive it')
  return checkPeriodSeconds(input.maxDelay ?? DEFAULT_MAX_DELAY, '/maxDelay', 0)
}
