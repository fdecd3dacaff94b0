// A tenant's profile settings checked and completed at creation: options, algorithm, token policy, claims schema, static claims.
import { Buffer } from 'node:buffer'
import { isTokenmintError, fieldsInvalid, type FieldError } from '../errors.js'
import { ALGS, type Alg, type JsonObject, type TokenPolicy } from '../types.js'
import { compileClaimsSchema } from './custom-schema.js'
import type { Profile } from './profile.js'
import { getProfile } from './registry.js'
import { completePolicy, policyErrors } from './ttl.js'
import { isJsonObject, mergeErrors, ownedClaimErrors, pointerToken, schemaCheck, unsafeKeyErrors } from './validator.js'

export const STATIC_CLAIMS_MAX_BYTES = 16 * 1024

/** Fields are `unknown`: they come from a request and are all checked here. */
export interface TenantSettingsInput {
  profile: string
  profileOptions?: unknown
  alg?: unknown
  tokenPolicy?: unknown
  claimsSchema?: unknown
  staticClaims?: unknown
}

export interface TenantSettings {
  alg: Alg
  profileOptions: JsonObject
  tokenPolicy: TokenPolicy
}

/**
 * Validates a tenant's profile settings and applies the profile's defaults: the first allowed alg,
 * option defaults, and a token policy completed around the given fields (see completePolicy).
 * Every problem is reported at once, as VALIDATION_FAILED, or INVALID_SCHEMA when all of them are
 * in the claims schema. For a PATCH, pass the merged settings (current values overlaid with the patch).
 */
export function resolveTenantSettings (input: TenantSettingsInput): TenantSettings {
  const profile = getProfile(input.profile)
  const options = input.profileOptions ?? {}
  const optionErrors = mergeErrors(unsafeKeyErrors(options, '/profileOptions'), schemaCheck(profile.optionsSchema)(options, '/profileOptions'))
  const alg = input.alg === undefined ? profile.algs[0] : input.alg
  const completed = completePolicy(profile, input.tokenPolicy)
  const errors = [
    ...optionErrors,
    ...algErrors(profile, alg),
    ...('errors' in completed ? completed.errors : policyErrors(profile, completed.policy)),
    ...customErrors(profile, input)
  ]
  if (errors.length > 0) {
    const schemaOnly = errors.every(error => error.path.startsWith('/claimsSchema'))
    throw fieldsInvalid(errors, schemaOnly ? 'INVALID_SCHEMA' : 'VALIDATION_FAILED')
  }

  const profileOptions = structuredClone(options as JsonObject)
  return {
    alg: alg as Alg,
    profileOptions: profile.applyOptionDefaults?.(profileOptions) ?? profileOptions,
    tokenPolicy: (completed as { policy: TokenPolicy }).policy
  }
}

function algErrors (profile: Profile, alg: unknown): FieldError[] {
  if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
    return [{ path: '/alg', message: 'alg "none" is never allowed: every token is signed' }]
  }
  if (typeof alg !== 'string' || !(ALGS as readonly string[]).includes(alg) || !(profile.algs as readonly string[]).includes(alg)) {
    return [{ path: '/alg', message: `must be ${profile.algs.join(', ')} for the ${profile.name} profile` }]
  }
  return []
}

/** claimsSchema is required by, and staticClaims only allowed with, the custom profile. */
function customErrors (profile: Profile, input: TenantSettingsInput): FieldError[] {
  if (profile.name !== 'custom') {
    return (['claimsSchema', 'staticClaims'] as const)
      .filter(field => input[field] !== undefined)
      .map(field => ({ path: `/${field}`, message: 'is only used by the custom profile' }))
  }
  const errors: FieldError[] = []
  if (input.claimsSchema === undefined) errors.push({ path: '/claimsSchema', message: 'is required for the custom profile' })
  else errors.push(...claimsSchemaErrors(input.claimsSchema))
  if (input.staticClaims !== undefined) errors.push(...staticClaimErrors(profile, input.staticClaims, input.claimsSchema))
  return errors
}

function claimsSchemaErrors (schema: unknown): FieldError[] {
  try {
    compileClaimsSchema(schema)
    return []
  } catch (err) {
    if (isTokenmintError(err) && err.errors !== undefined) return err.errors
    throw err
  }
}

function staticClaimErrors (profile: Profile, claims: unknown, claimsSchema: unknown): FieldError[] {
  if (!isJsonObject(claims)) return [{ path: '/staticClaims', message: 'must be an object' }]
  if (Buffer.byteLength(JSON.stringify(claims), 'utf8') > STATIC_CLAIMS_MAX_BYTES) {
    return [{ path: '/staticClaims', message: `must be at most ${STATIC_CLAIMS_MAX_BYTES / 1024} KiB serialized` }]
  }
  const owners = new Map(profile.ownedClaims.map(name => [name, `the ${profile.name} profile`]))
  const requestable = isJsonObject(claimsSchema) && isJsonObject(claimsSchema.properties) ? claimsSchema.properties : {}
  const conflicts = Object.keys(claims)
    .filter(name => Object.hasOwn(requestable, name))
    .map(name => ({ path: `/staticClaims/${pointerToken(name)}`, message: 'is also a request claim in claimsSchema: static claims cannot be requested' }))
  return mergeErrors(unsafeKeyErrors(claims, '/staticClaims'), ownedClaimErrors(claims, owners, '/staticClaims'), conflicts)
}
