// Token policy bounds every profile stays within, and the default policy of profiles without platform limits.
import type { TokenPolicy } from '../types.js'

/** Default policy of profiles without platform limits: one-hour tokens, 1 min to 24 h, 30 s of skew. */
export const DEFAULT_POLICY: Readonly<TokenPolicy> = Object.freeze({ defaultTtl: 3600, minTtl: 60, maxTtl: 86_400, clockSkew: 30 })

/** Limits every policy stays within, whatever the profile: 1 s to 30 days of lifetime, up to 10 min of skew. */
export const TTL_LIMITS = Object.freeze({ min: 1, max: 2_592_000 })
export const MAX_CLOCK_SKEW = 600
