// Checks a token the way the tenant's chat platform would, and says every reason it would refuse it.
import { compactVerify, importJWK } from 'jose'
import type { FieldError } from '../errors.js'
import { deriveKeyring } from '../keys/key-state.js'
import { CUSTOM_OWNED_CLAIMS } from '../profiles/claim-set.js'
import type { JsonObject, KeyVersion, Tenant } from '../types.js'
import { jsonNestsDeeperThan } from '../json-depth.js'
import { describeSeconds } from '../time.js'

export interface VerifyContext {
  tenant: Tenant
  keys: KeyVersion[]
  now: number
  retireAfterMs: number
  /** Expected iss of asymmetric tokens. */
  issuer: string
  /** The key's secret or PEM, opened only when needed. */
  material: (key: KeyVersion) => string
  /** The longest lifetime the profile allows, seconds. */
  maxLifetime: number
  /** A custom tenant's claims schema, checking the request claims of a token (JSON pointer paths). */
  requestClaims?: (claims: JsonObject) => FieldError[]
}

export interface VerifyResult {
  valid: boolean
  reasons: string[]
  header: JsonObject | null
  claims: JsonObject | null
}

function decodePart (part: string | undefined): JsonObject | null {
  if (part === undefined || !/^[A-Za-z0-9_-]+$/.test(part)) return null
  try {
    const text = Buffer.from(part, 'base64url').toString('utf8')
    // Nested deeper than any real header or claims: the answer, which echoes them, could not be serialized.
    if (jsonNestsDeeperThan(text)) return null
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as JsonObject : null
  } catch {
    return null
  }
}

const isString = (value: unknown): boolean => typeof value === 'string' && value.length > 0

/** A custom token's request claims (all but the claims the profile and the static claims set) against the tenant's schema. */
function requestClaimReasons (tenant: Tenant, claims: JsonObject, check: (claims: JsonObject) => FieldError[]): string[] {
  const set = new Set<string>([...CUSTOM_OWNED_CLAIMS, ...Object.keys(tenant.staticClaims ?? {})])
  const requested = Object.fromEntries(Object.entries(claims).filter(([name]) => !set.has(name)))
  return check(requested).map(({ path, message }) => `claim ${path === '' ? '(the claims)' : path.slice(1)} ${message}`)
}

/** What each platform checks in the claims, beyond signature and lifetime. */
function profileReasons (tenant: Tenant, claims: JsonObject, context: VerifyContext): string[] {
  const reasons: string[] = []
  const need = (name: string, ok: boolean, what: string): void => { if (!ok) reasons.push(`claim ${name} ${what}`) }
  const options = tenant.profileOptions
  switch (tenant.profile) {
    case 'smooch':
      need('scope', claims.scope === 'appUser', 'must be "appUser"')
      need('userId', isString(claims.userId), 'must be a non-empty string (a number is refused)')
      break
    case 'khoros':
      need('scope', claims.scope === 'appUser', 'must be "appUser"')
      need('userId', isString(claims.userId), 'must be a non-empty string')
      need('platform', ['ios', 'android', 'web'].includes(claims.platform as string), 'must be ios, android or web')
      break
    case 'tiledesk':
      need('_id', isString(claims._id), 'must be a non-empty string')
      need('sub', claims.sub === 'userexternal', 'must be "userexternal"')
      need('aud', claims.aud === `https://tiledesk.com/projects/${String(options.projectId)}`, 'must be the project\'s audience')
      break
    case 'sceyt':
      need('sub', isString(claims.sub), 'must be a non-empty string')
      need('aid', claims.aid === options.applicationId, 'must be the application id')
      need('nbf', typeof claims.nbf === 'number', 'is required')
      break
    case 'chat-widget':
      need('name', isString(claims.name), 'must be a non-empty string')
      need('email', isString(claims.email), 'must be a non-empty string')
      if (claims.external_id !== undefined) need('external_id', typeof claims.external_id === 'string' && /^[A-Za-z0-9._-]{1,255}$/.test(claims.external_id), 'must match ^[A-Za-z0-9._-]{1,255}$')
      break
    case 'custom':
      for (const [name, value] of Object.entries(tenant.staticClaims ?? {})) {
        need(name, JSON.stringify(claims[name]) === JSON.stringify(value), 'must equal the tenant\'s static claim')
      }
      // As issued: a string, or the configured list in its order.
      if (options.audience !== undefined) need('aud', JSON.stringify(claims.aud) === JSON.stringify(options.audience), 'must be the configured audience')
      if (context.requestClaims !== undefined) reasons.push(...requestClaimReasons(tenant, claims, context.requestClaims))
      break
  }
  return reasons
}

function lifetimeReasons (claims: JsonObject, context: VerifyContext): string[] {
  const reasons: string[] = []
  const now = Math.floor(context.now / 1000)
  const skew = context.tenant.tokenPolicy.clockSkew
  const { exp, iat, nbf } = claims
  if (typeof exp !== 'number') reasons.push('claim exp is required')
  else if (now > exp + skew) reasons.push(`expired at ${describeSeconds(exp)} (clock skew ${skew} s)`)
  if (typeof iat !== 'number') reasons.push('claim iat is required')
  else if (iat > now + skew) reasons.push(`issued in the future (iat ${iat}, now ${now}, clock skew ${skew} s)`)
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + skew)) reasons.push('not valid yet (nbf)')
  if (typeof exp === 'number' && typeof iat === 'number' && exp - iat > context.maxLifetime) {
    reasons.push(`lifetime ${exp - iat} s is longer than the ${context.maxLifetime} s allowed`)
  }
  return reasons
}

/**
 * The iss a token of this key carries when issued: a custom tenant's configured issuer whatever the alg,
 * otherwise the tenant's discovery issuer for asymmetric keys and none for HS256.
 */
function expectedIssuer (context: VerifyContext, key: KeyVersion): string | undefined {
  const configured = context.tenant.profile === 'custom' ? context.tenant.profileOptions.issuer : undefined
  if (typeof configured === 'string') return configured
  return key.alg === 'HS256' ? undefined : context.issuer
}

export async function verifyToken (token: string, context: VerifyContext): Promise<VerifyResult> {
  const parts = token.split('.')
  const header = decodePart(parts[0])
  const claims = decodePart(parts[1])
  if (parts.length !== 3 || header === null || claims === null) {
    return { valid: false, reasons: ['not a compact JWS: three base64url parts with a JSON header and payload are expected'], header, claims }
  }
  const reasons: string[] = []
  const view = deriveKeyring(context.keys, context.now, context.retireAfterMs)
  const key = context.keys.find(k => k.kid === header.kid)
  if (header.alg === 'none' || typeof header.alg !== 'string') reasons.push('alg none or missing is never accepted')
  if (typeof header.kid !== 'string') reasons.push('the header has no kid')
  else if (key === undefined) reasons.push(`kid ${header.kid} is not a key of this tenant`)
  if (key !== undefined) {
    const status = view.statuses.find(s => s.key === key)
    if (status?.state === 'revoked') reasons.push(`key ${key.kid} is revoked`)
    else if (status?.state === 'retired') reasons.push(`key ${key.kid} is retired and no longer published`)
    else if (status?.state === 'pending' && !status.published && key.alg !== 'HS256') reasons.push(`key ${key.kid} is not published yet`)
    if (header.alg !== key.alg) {
      reasons.push(`alg ${String(header.alg)} does not match the key's ${key.alg}`)
    } else {
      try {
        const verifier = key.alg === 'HS256'
          ? new TextEncoder().encode(context.material(key))
          : await importJWK(key.publicJwk as Parameters<typeof importJWK>[0], key.alg)
        await compactVerify(token, verifier, { algorithms: [key.alg] })
      } catch {
        reasons.push('the signature does not verify with the key')
      }
    }
    const issuer = expectedIssuer(context, key)
    if (issuer !== undefined && claims.iss !== issuer) reasons.push(`claim iss must be ${issuer}`)
  }
  reasons.push(...profileReasons(context.tenant, claims, context), ...lifetimeReasons(claims, context))
  return { valid: reasons.length === 0, reasons, header, claims }
}
