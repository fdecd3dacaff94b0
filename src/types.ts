// Domain types shared by the core, the stores and the HTTP layer.
import type { ProfileName } from './profiles/registry.js'

export const ALGS = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const
export type Alg = typeof ALGS[number]

// The profile names are derived from the profile registry. The registry and the profiles import only types from
// this module, so this re-export is no import cycle at run time: keep it so (test/src/profiles/registry.test.ts).
export { PROFILE_NAMES, type ProfileName } from './profiles/registry.js'

export type JsonObject = Record<string, unknown>

/** Token lifetime rules of a tenant, in seconds. */
export interface TokenPolicy {
  defaultTtl: number
  minTtl: number
  maxTtl: number
  clockSkew: number
}

export interface RateLimitPolicy {
  max: number
  /** What @fastify/rate-limit takes: milliseconds or a string such as "1 minute". */
  timeWindow: number | string
}

export interface RotationPolicy {
  /** Seconds between two generated versions. */
  every: number
  /** Seconds a new version is published before it becomes active. */
  prepublish: number
  /** Epoch ms the period count starts from (when the policy was set). */
  anchor: number
  /** Each new version waits for the verifiers seen within VERIFIER_WINDOW, at most `maxDelay` seconds. */
  waitForVerifiers?: boolean
  maxDelay?: number
}

export interface Tenant {
  id: string
  name: string
  profile: ProfileName
  profileOptions: JsonObject
  alg: Alg
  tokenPolicy: TokenPolicy
  rateLimit: RateLimitPolicy
  claimsSchema?: JsonObject
  staticClaims?: JsonObject
  rotation?: RotationPolicy
  /** Epoch ms. */
  createdAt: number
  updatedAt: number
}

/** Encrypted material as stored: AES-256-GCM under a data key wrapped by the master key. */
export interface SealedBlob {
  /** Master key id that wrapped the data key. */
  mk: string
  /** Wrapped data key: iv | ciphertext | tag, base64url. */
  dk: string
  /** iv | ciphertext | tag of the material, base64url. */
  ct: string
}

/** One version in a tenant's keyring. Times are epoch ms; state is derived, never stored. */
export interface KeyVersion {
  kid: string
  alg: Alg
  source: 'generated' | 'imported'
  createdAt: number
  publishAt: number
  activateAt: number
  revokedAt?: number
  /** Propagation-gated activation: the latest time the key activates, however many verifiers still lack it. */
  activateBy?: number
  /** When the activation gate stopped watching this key (it activated, on time, released or at activateBy). */
  gateSettledAt?: number
  /** Public JWK for asymmetric keys (public members plus kty, kid, alg, use). */
  publicJwk?: JsonObject
  /** Secret or private key (PKCS#8 PEM), sealed. */
  sealed: SealedBlob
}

export interface ApiKeyRecord {
  id: string
  tenant: string
  name: string
  /** SHA-256 of the secret part, hex. */
  hash: string
  createdAt: number
  /** Set when the key was deleted: kept as a tombstone so it is refused with 403, not mistaken for a forgery. */
  deletedAt?: number
}

export interface AuditEntry {
  /** Epoch ms. */
  at: number
  actor: string
  /** Who the actor is, in words (a credential's name, a single-sign-on user's email); entries before it have none. */
  actorName?: string
  action: string
  tenant: string
  kid?: string
  ip: string
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** Everything one tenant needs to issue and publish, read in one step. */
export interface TenantSnapshot {
  tenant: Tenant
  keys: KeyVersion[]
  apiKeys: ApiKeyRecord[]
  /** Bumped by every write to the tenant, its keyring or its API keys. */
  version: number
}

export type Clock = () => number

/** One verifier of a tenant as the store keeps it (times epoch ms). */
export interface VerifierRecord {
  /** First 16 hex characters of SHA-256(`<client address>\n<User-Agent>`). */
  id: string
  ip: string
  /** First 200 characters. */
  userAgent: string
  firstSeen: number
  lastSeen: number
  fetches: number
  /** Kids of the JWKS document it last received ([] when it only fetched discovery). */
  kids: string[]
  /** When the JWKS document holding `kids` was received (0: never). */
  kidsAt: number
}

/** What one instance saw of one verifier of one tenant since its last flush; kids and kidsAt absent after discovery fetches only. */
export type VerifierFetch = Omit<VerifierRecord, 'kids' | 'kidsAt'> & { tenant: string, kids?: string[], kidsAt?: number }
