// Key-policy arithmetic: how long a superseded key stays published, and when each period of a rotation policy is due.
import { invalid } from '../errors.js'
import type { RotationPolicy, TokenPolicy } from '../types.js'

/** Longest rotation period or lead time, in seconds (100 years): keeps every derived time within what a Date can hold. */
export const MAX_PERIOD_SECONDS = 3_153_600_000

/**
 * The retiring window of a tenant's keys, in ms: maxTtl + clockSkew + JWKS max-age, so every token a superseded
 * key signed can still be verified, even by a verifier holding a JWKS cached just before the handover.
 */
export function retireAfterMs (policy: TokenPolicy, jwksMaxAge: number): number {
  return (policy.maxTtl + policy.clockSkew + jwksMaxAge) * 1000
}

/** A rotation period (`min` 1) or lead time (`min` 0): whole seconds up to MAX_PERIOD_SECONDS, else a 400 naming `path`. */
export function checkPeriodSeconds (seconds: number, path: string, min: 0 | 1): number {
  if (!Number.isInteger(seconds) || seconds < min || seconds > MAX_PERIOD_SECONDS) {
    throw invalid(path, min === 0 ? `must be a whole number of seconds, at most ${MAX_PERIOD_SECONDS}` : `must be a whole number of seconds, ${min} to ${MAX_PERIOD_SECONDS}`)
  }
  return seconds
}

/** A periodic rotation's `every`: whole seconds from `minPeriod` (ROTATION_MIN_PERIOD) to MAX_PERIOD_SECONDS, else a 400 naming /every. */
export function checkRotationEvery (every: number, minPeriod: number): number {
  checkPeriodSeconds(every, '/every', 1)
  if (every < minPeriod) throw invalid('/every', `must be at least ${minPeriod} s (ROTATION_MIN_PERIOD)`)
  return every
}

/** When period `period` of a rotation policy is due: its key is created `prepublish` before it activates. */
export function rotationDueAt (policy: RotationPolicy, period: number): number {
  return policy.anchor + period * policy.every * 1000 - policy.prepublish * 1000
}

/** The latest period whose key is due by `now`; 0 or less while the first is not. */
export function duePeriod (policy: RotationPolicy, now: number): number {
  return Math.floor((now + policy.prepublish * 1000 - policy.anchor) / (policy.every * 1000))
}

/**
 * When the key of a due period activates: on the period's boundary, unless it is created more than
 * `graceMs` late (a catch-up after downtime), which keeps the full prepublish from `now` instead of activating at once.
 */
export function periodActivateAt (policy: RotationPolicy, period: number, now: number, graceMs: number): number {
  const prepublish = policy.prepublish * 1000
  const boundary = policy.anchor + period * policy.every * 1000
  return boundary < now + prepublish - graceMs ? now + prepublish : boundary
}
