// A tenant's snapshot compiled for the hot path: profile validator, key view, signers and JWKS body, built once per version.
import { createHash } from 'node:crypto'
import { parse as parseDuration } from '@lukeed/ms'
import { retireAfterMs } from './keys/policy.js'
import { secretMatchesDigest, storedDigest } from './api-keys.js'
import type { Sealer } from './crypto/envelope.js'
import { TokenmintError, type FieldError } from './errors.js'
import { deriveKeyring, type KeyringView } from './keys/key-state.js'
import { compileTenantProfile, getProfile, type CompiledTenantProfile } from './profiles/index.js'
import { resolveTtl } from './profiles/ttl.js'
import { createTokenSigner, type TokenSigner } from './tokens/signer.js'
import { verifyToken, type VerifyResult } from './tokens/verify.js'
import type { Alg, JsonObject, KeyVersion, Tenant, TenantSnapshot } from './types.js'

export interface RuntimeOptions {
  sealer: Sealer
  jwksMaxAge: number
  publicUrl: string
}

export interface IssuedToken {
  token: string
  tokenType: 'JWT'
  alg: Alg
  kid: string
  issuedAt: number
  expiresAt: number
}

export interface JwksDocument {
  body: string
  etag: string
}

/** Cache-Control lifetimes of the JWKS, seconds. */
export interface JwksCaching {
  maxAge: number
  staleWhileRevalidate: number
}

export type ApiKeyCheck = 'ok' | 'unknown' | 'deleted'

/**
 * Everything issuance, verify and the JWKS need for one version of one tenant, built from its snapshot. The
 * snapshot is immutable: a change makes a new version and the cache builds a new runtime, so the copies of tenant
 * fields below (`rateMax`, `defaultTtl`, `soleKeyId`...) never go stale. Only memos computed from the snapshot and
 * the time (key views, signers, JWKS body) are filled in later. Field order and the copies keep what issuance
 * touches together (measured: `npm run bench -- --cases tenants`).
 */
/** The 409 of a tenant that cannot sign yet, saying which admin route gives it a key. */
function noActiveKey (tenant: string): TokenmintError {
  return new TokenmintError('NO_ACTIVE_KEY', `tenant ${tenant} has no active key: import one with POST /v1/admin/tenants/${tenant}/keys ` +
    '(HS256: {"kid", "alg": "HS256", "secret"}; a private key: {"privateKeyPem"}) or generate one there with {"alg"}')
}

export class TenantRuntime {
  /**
   * The API keys, deleted ones included, derived from snapshot.apiKeys: id → stored digest (base64url SHA-256, see
   * storedDigest). A tenant's only key, the usual case, is in soleKeyId/soleKeyDigest; two or more are in
   * keyDigests. Never the key itself.
   */
  private readonly soleKeyId?: string
  private readonly soleKeyDigest?: string
  private readonly keyDigests?: Map<string, string>
  /** Ids of deleted keys (tombstones), when there are any. */
  private readonly deletedApiKeys?: ReadonlySet<string>
  /** Derived from tenant.rateLimit.max; the snapshot is immutable. */
  readonly rateMax: number
  /** Derived from tenant.rateLimit.timeWindow, in ms. */
  readonly rateWindowMs: number
  readonly profile: CompiledTenantProfile
  /** Derived from tenant.tokenPolicy.defaultTtl; the snapshot is immutable. */
  private readonly defaultTtl: number
  /** Memo: the signer of `activeView`'s active key, valid while `activeView` is the current key view. */
  private activeSigner?: TokenSigner
  private activeView?: KeyringView<KeyVersion>
  /** Derived from tenant.profile. */
  readonly profileName: Tenant['profile']
  /** tenant.tokenPolicy. */
  private readonly tokenPolicy: Tenant['tokenPolicy']
  /** tenant.id. */
  readonly id: string
  readonly tenant: Tenant
  readonly version: number
  readonly keys: KeyVersion[]
  /** Derived: `<PUBLIC_URL>/t/<tenant id>`, the `iss` of asymmetric tokens and of the discovery document. */
  readonly issuer: string
  /** Derived from tenant.tokenPolicy and the JWKS max-age: how long a superseded key stays published. */
  private readonly retireAfterMs: number
  private readonly signers = new Map<string, TokenSigner>()
  private view?: KeyringView<KeyVersion>
  private jwksDocument?: JwksDocument
  private jwksView?: KeyringView<KeyVersion>
  private cacheControls?: string[]
  /** The custom claims schema, compiled for verify on first use. */
  private requestClaims?: ((claims: JsonObject) => FieldError[]) | null
  private readonly options: RuntimeOptions

  constructor (snapshot: TenantSnapshot, options: RuntimeOptions) {
    this.options = options
    this.tenant = snapshot.tenant
    this.id = snapshot.tenant.id
    this.profileName = snapshot.tenant.profile
    this.rateMax = snapshot.tenant.rateLimit.max
    this.tokenPolicy = snapshot.tenant.tokenPolicy
    this.defaultTtl = snapshot.tenant.tokenPolicy.defaultTtl
    this.version = snapshot.version
    this.keys = snapshot.keys
    if (snapshot.apiKeys.length === 1) {
      this.soleKeyId = snapshot.apiKeys[0].id
      this.soleKeyDigest = storedDigest(snapshot.apiKeys[0])
    } else if (snapshot.apiKeys.length > 1) {
      this.keyDigests = new Map(snapshot.apiKeys.map(record => [record.id, storedDigest(record)]))
    }
    const deleted = snapshot.apiKeys.filter(record => record.deletedAt !== undefined)
    if (deleted.length > 0) this.deletedApiKeys = new Set(deleted.map(record => record.id))
    this.retireAfterMs = retireAfterMs(snapshot.tenant.tokenPolicy, options.jwksMaxAge)
    this.issuer = `${options.publicUrl}/t/${snapshot.tenant.id}`
    this.profile = compileTenantProfile(snapshot.tenant)
    const window = snapshot.tenant.rateLimit.timeWindow
    this.rateWindowMs = typeof window === 'number' ? window : (parseDuration(window) ?? 60_000)
  }

  /** The key view at `now`, derived again only when a state change is due. */
  keyring (now: number): KeyringView<KeyVersion> {
    const view = this.view
    if (view !== undefined && now >= view.at && (view.nextChangeAt === undefined || now < view.nextChangeAt)) return view
    this.view = deriveKeyring(this.keys, now, this.retireAfterMs)
    return this.view
  }

  /**
   * Security: the secret is checked against the stored digest in constant time (secretMatchesDigest), and an
   * unknown id and a wrong secret give the same answer; 'deleted' is told only to a caller holding the secret.
   */
  checkApiKey (id: string, secret: string): ApiKeyCheck {
    const digest = id === this.soleKeyId ? this.soleKeyDigest : this.keyDigests?.get(id)
    if (digest === undefined || !secretMatchesDigest(digest, secret)) return 'unknown'
    return this.deletedApiKeys?.has(id) === true ? 'deleted' : 'ok'
  }

  /**
   * Signer of a key, its material decrypted once per runtime (the envelope is bound to tenant and kid). The signer
   * takes the key's own alg: algorithms are pinned per key, never taken from a request or a token.
   */
  signerFor (key: KeyVersion): TokenSigner {
    let signer = this.signers.get(key.kid)
    if (signer === undefined) {
      const secret = this.options.sealer.open(key.sealed, { tenant: this.tenant.id, kid: key.kid })
      signer = createTokenSigner({ alg: key.alg, kid: key.kid, secret })
      this.signers.set(key.kid, signer)
    }
    return signer
  }

  private activeSignerAt (now: number): TokenSigner {
    const view = this.keyring(now)
    if (view === this.activeView && this.activeSigner !== undefined) return this.activeSigner
    const activeKey = view.activeKey
    if (activeKey === undefined) throw noActiveKey(this.id)
    this.activeSigner = this.signerFor(activeKey)
    this.activeView = view
    return this.activeSigner
  }

  async issue (body: unknown, now: number): Promise<IssuedToken> {
    const { ttl, input } = this.profile.validateBody(body)
    const lifetime = ttl === undefined ? this.defaultTtl : resolveTtl(this.tokenPolicy, ttl)
    const signer = this.activeSignerAt(now)
    const iat = Math.floor(now / 1000)
    const exp = iat + lifetime
    const built = this.profile.buildClaims({
      tenant: this.tenant,
      body: input,
      iat,
      exp,
      issuer: signer.alg === 'HS256' ? undefined : this.issuer
    })
    const token = await signer.sign(built.claims, built.header)
    return { token, tokenType: 'JWT', alg: signer.alg, kid: signer.kid, issuedAt: iat, expiresAt: exp }
  }

  /** Checks a token as the tenant's platform would. */
  async verify (token: string, now: number): Promise<VerifyResult> {
    return await verifyToken(token, {
      tenant: this.tenant,
      keys: this.keys,
      now,
      retireAfterMs: this.retireAfterMs,
      issuer: this.issuer,
      material: key => this.options.sealer.open(key.sealed, { tenant: this.tenant.id, kid: key.kid }),
      maxLifetime: this.tenant.tokenPolicy.maxTtl,
      ...this.requestClaimsCheck()
    })
  }

  private requestClaimsCheck (): { requestClaims?: (claims: JsonObject) => FieldError[] } {
    if (this.requestClaims === undefined) this.requestClaims = getProfile(this.tenant.profile).compileClaimsValidator?.(this.tenant) ?? null
    return this.requestClaims === null ? {} : { requestClaims: this.requestClaims }
  }

  /** The JWKS body, computed once per keyring version and state change. */
  jwks (now: number): JwksDocument {
    const view = this.keyring(now)
    if (this.jwksDocument === undefined || this.jwksView !== view) {
      const body = JSON.stringify({ keys: view.publishedKeys.map(key => key.publicJwk) })
      this.jwksDocument = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }
      this.jwksView = view
    }
    return this.jwksDocument
  }

  /**
   * How long verifiers may keep the JWKS: max-age, then stale-while-revalidate, together never longer than the
   * configured JWKS max-age, the time a rotated key is published before it signs by default. A cache allowed to
   * serve an older copy (max-age plus a stale-while-revalidate as long again) would not know the new key when its
   * first tokens arrive. Jitter on max-age keeps verifiers from refreshing in lockstep; it takes at least a second
   * off when there is room, since a verifier's copy was made a little before it got it (and, with several
   * instances, a little before the change notice reached the one that served it).
   */
  jwksCaching (): JwksCaching {
    const max = this.options.jwksMaxAge
    const staleWhileRevalidate = Math.ceil(max / 10)
    // Jitter keeps verifiers from refreshing in lockstep; it needs no cryptographic randomness.
    const jitter = max >= 10 ? 1 + Math.floor(Math.random() * Math.floor(max / 10)) : 0
    return { maxAge: Math.max(0, max - staleWhileRevalidate - jitter), staleWhileRevalidate }
  }

  /** The Cache-Control value of a JWKS response: one of a few precomputed strings, jittered. */
  jwksCacheControl (): string {
    this.cacheControls ??= Array.from({ length: 16 }, () => {
      const { maxAge, staleWhileRevalidate } = this.jwksCaching()
      return `public, max-age=${maxAge}, stale-while-revalidate=${staleWhileRevalidate}`
    })
    return this.cacheControls[Math.floor(Math.random() * this.cacheControls.length)]
  }

  discovery (publicUrl: string): Record<string, unknown> {
    const algs = [...new Set([this.tenant.alg, ...this.keys.filter(k => k.alg !== 'HS256').map(k => k.alg)])].filter(a => a !== 'HS256')
    return {
      issuer: this.issuer,
      jwks_uri: `${publicUrl}/t/${this.tenant.id}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: algs,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti']
    }
  }
}
