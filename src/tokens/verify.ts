// Checks a token the way the tenant's chat platform would, and says every reason it would refuse it.
import { compactVerify, importJWK } from 'jose'
import { deriveKeyring } from '../keys/key-state.js'
import { getProfile, type Profile, type VerifyClaimsContext } from '../profiles/index.js'
import type { JsonObject, KeyVersion, Tenant } from '../types.js'
import { jsonNestsDeeperThan } from '../json-depth.js'
import { describeSeconds } from '../time.js'

export interface VerifyContext extends VerifyClaimsContext {
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
 * The iss a token of this key carries when issued: the issuer the tenant's profile options configure, whatever
 * the alg, otherwise the tenant's discovery issuer for asymmetric keys and none for HS256.
 */
function expectedIssuer (profile: Profile, context: VerifyContext, key: KeyVersion): string | undefined {
  return profile.configuredIssuer?.(context.tenant) ?? (key.alg === 'HS256' ? undefined : context.issuer)
}

export async function verifyToken (token: string, context: VerifyContext): Promise<VerifyResult> {
  const parts = token.split('.')
  const header = decodePart(parts[0])
  const claims = decodePart(parts[1])
  if (parts.length !== 3 || header === null || claims === null) {
    return { valid: false, reasons: ['not a compact JWS: three base64url parts with a JSON header and payload are expected'], header, claims }
  }
  const reasons: string[] = []
  const profile = getProfile(context.tenant.profile)
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
        // Security invariant: the key's own alg only, so a token's header cannot choose how it is checked.
        await compactVerify(token, verifier, { algorithms: [key.alg] })
      } catch {
        reasons.push('the signature does not verify with the key')
      }
    }
    const issuer = expectedIssuer(profile, context, key)
    if (issuer !== undefined && claims.iss !== issuer) reasons.push(`claim iss must be ${issuer}`)
  }
  reasons.push(...profile.verifyClaims(claims, context.tenant, context), ...lifetimeReasons(claims, context))
  return { valid: reasons.length === 0, reasons, header, claims }
}
