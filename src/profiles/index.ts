// The profiles module: the built-in profiles, tenant settings resolution and per-tenant compiled profiles.
export type { BuiltClaims, ClaimsContext, Profile, ProfileExample, TtlBounds, VerifyClaimsContext } from './profile.js'
export { PROFILES, getProfile, isProfileName } from './registry.js'
export { describeProfiles, issueBodyDocument, profileOptionsDocument, type OptionField, type ProfileDescription } from './catalog.js'
export { compileTenantProfile, type CompiledTenantProfile, type ValidatedBody } from './tenant-profile.js'
export { resolveTenantSettings, STATIC_CLAIMS_MAX_BYTES, type TenantSettings, type TenantSettingsInput } from './tenant-settings.js'
export { completePolicy, policyErrors, resolveTtl, ttlRange, validatePolicy } from './ttl.js'
export { CLAIMS_SCHEMA_MAX_BYTES, compileClaimsSchema, validateClaimsSchema, type ClaimsValidator } from './custom-schema.js'
export { DEFAULT_POLICY, MAX_CLOCK_SKEW, TTL_LIMITS } from './policy-defaults.js'
