// Token lifetime rules: a request's ttl checked against the tenant policy (never clamped), and policies checked against their profile.
import { TokenmintError, fieldsInvalid, type FieldError } from '../errors.js'
import type { TokenPolicy } from '../types.js'
import { MAX_CLOCK_SKEW, TTL_LIMITS } from './policy-defaults.js'
import type { Profile } from './profile.js'
import { isJsonObject, pointerToken } from './validator.js'

const POLICY_FIELDS = ['defaultTtl', 'minTtl', 'maxTtl', 'clockSkew'] as const

/** The lifetime of a token: the requested ttl, or the policy default; outside [minTtl, maxTtl] it is a 400. */
export function resolveTtl (policy: TokenPolicy, requested?: number): number {
  if (requested === undefined) return policy.defaultTtl
  if (!Number.isInteger(requested)) {
    throw new TokenmintError('VALIDATION_FAILED', '/ttl must be an integer', { errors: [{ path: '/ttl', message: 'must be an integer' }] })
  }
  if (requested < policy.minTtl || requested > policy.maxTtl) {
    const message = `must be between ${policy.minTtl} and ${policy.maxTtl} seconds`
    throw new TokenmintError('TTL_OUT_OF_RANGE', `ttl ${requested} is out of range: ${message}`, { errors: [{ path: '/ttl', message }] })
  }
  return requested
}

/** The lifetime range a profile allows, within the global limits. */
export function ttlRange (profile: Profile): { min: number, max: number } {
  return {
    min: Math.max(TTL_LIMITS.min, profile.ttlBounds.min ?? TTL_LIMITS.min),
    max: Math.min(TTL_LIMITS.max, profile.ttlBounds.max ?? TTL_LIMITS.max)
  }
}

/** Everything wrong with a policy for a profile, as '/tokenPolicy/<field>' errors. */
export function policyErrors (profile: Profile, policy: TokenPolicy): FieldError[] {
  const errors: FieldError[] = []
  const at = (field: string): string => `/tokenPolicy/${field}`
  for (const field of POLICY_FIELDS) {
    if (!Number.isInteger(policy[field])) errors.push({ path: at(field), message: 'must be an integer' })
  }
  if (errors.length > 0) return errors

  const { min, max } = ttlRange(profile)
  for (const field of ['minTtl', 'defaultTtl', 'maxTtl'] as const) {
    const value = policy[field]
    if (value < min) errors.push({ path: at(field), message: `must be at least ${min} seconds for the ${profile.name} profile` })
    else if (value > max) errors.push({ path: at(field), message: `must be at most ${max} seconds for the ${profile.name} profile` })
  }
  if (policy.minTtl > policy.maxTtl) errors.push({ path: at('minTtl'), message: 'must not exceed maxTtl' })
  else if (policy.defaultTtl < policy.minTtl || policy.defaultTtl > policy.maxTtl) {
    errors.push({ path: at('defaultTtl'), message: 'must be between minTtl and maxTtl' })
  }
  if (policy.clockSkew < 0 || policy.clockSkew > MAX_CLOCK_SKEW) {
    errors.push({ path: at('clockSkew'), message: `must be between 0 and ${MAX_CLOCK_SKEW} seconds` })
  }
  return dedupeByPath(errors)
}

/** Checks a complete policy for a profile (at tenant creation); throws VALIDATION_FAILED naming '/tokenPolicy/<field>'. */
export function validatePolicy (profile: Profile, policy: TokenPolicy): TokenPolicy {
  const errors = policyErrors(profile, policy)
  if (errors.length > 0) throw fieldsInvalid(errors)
  return policy
}

/**
 * Completes a partial policy with the profile's defaults, choosing the missing values inside the given ones:
 * `{ maxTtl: 300 }` on a profile whose default ttl is 3600 gives defaultTtl 300, not an error.
 * Returns the field errors of the partial itself (unknown fields, non-integers) instead when it has any.
 */
export function completePolicy (profile: Profile, partial: unknown): { policy: TokenPolicy } | { errors: FieldError[] } {
  if (partial === undefined) return { policy: { ...profile.policyDefaults } }
  if (!isJsonObject(partial)) return { errors: [{ path: '/tokenPolicy', message: 'must be an object' }] }
  const errors: FieldError[] = []
  for (const key of Object.keys(partial)) {
    if (!(POLICY_FIELDS as readonly string[]).includes(key)) errors.push({ path: `/tokenPolicy/${pointerToken(key)}`, message: 'is not an allowed field' })
    else if (!Number.isInteger(partial[key])) errors.push({ path: `/tokenPolicy/${key}`, message: 'must be an integer' })
  }
  if (errors.length > 0) return { errors }

  const given = partial as Partial<TokenPolicy>
  const defaults = profile.policyDefaults
  const maxTtl = given.maxTtl ?? Math.max(defaults.maxTtl, given.minTtl ?? 0, given.defaultTtl ?? 0)
  const minTtl = given.minTtl ?? Math.min(defaults.minTtl, maxTtl, given.defaultTtl ?? Infinity)
  const defaultTtl = given.defaultTtl ?? Math.min(Math.max(defaults.defaultTtl, minTtl), maxTtl)
  const clockSkew = given.clockSkew ?? defaults.clockSkew
  return { policy: { defaultTtl, minTtl, maxTtl, clockSkew } }
}

/** One error per field: the first found. */
function dedupeByPath (errors: FieldError[]): FieldError[] {
  const byPath = new Map<string, FieldError>()
  for (const error of errors) if (!byPath.has(error.path)) byPath.set(error.path, error)
  return [...byPath.values()]
}
