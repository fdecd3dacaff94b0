// Builds what admin responses show of tenants, keys, API keys and audit entries (shapes in src/schemas): ISO 8601 times, derived key states, never material.
import { publicKeyPem } from './keys/jwk.js'
import { deriveKeyring } from './keys/key-state.js'
import { retireAfterMs } from './keys/policy.js'
import type { ApiKeyView, AuditView, KeyView } from './schemas/keys.js'
import type { TenantView } from './schemas/tenant.js'
import { iso } from './time.js'
import type { ApiKeyRecord, AuditEntry, KeyVersion, TenantSnapshot, TokenPolicy } from './types.js'

// Security: a view carries no key material (sealed secret or private key) and no API-key hash. A field is added
// here only if an operator may see it (a public key is public); a secret is shown once by the action that makes it, never by a view.

export function tenantView (snapshot: TenantSnapshot, jwksMaxAge: number, now: number): TenantView {
  const { tenant } = snapshot
  const view = deriveKeyring(snapshot.keys, now, retireAfterMs(tenant.tokenPolicy, jwksMaxAge))
  const out: TenantView = {
    id: tenant.id,
    name: tenant.name,
    profile: tenant.profile,
    profileOptions: tenant.profileOptions,
    alg: tenant.alg,
    tokenPolicy: tenant.tokenPolicy,
    rateLimit: tenant.rateLimit,
    activeKid: view.activeKey?.kid ?? null,
    createdAt: iso(tenant.createdAt),
    updatedAt: iso(tenant.updatedAt)
  }
  if (tenant.claimsSchema !== undefined) out.claimsSchema = tenant.claimsSchema
  if (tenant.staticClaims !== undefined) out.staticClaims = tenant.staticClaims
  if (tenant.rotation !== undefined) out.rotation = { every: tenant.rotation.every, prepublish: tenant.rotation.prepublish, since: iso(tenant.rotation.anchor) }
  if (tenant.rotation?.waitForVerifiers === true) Object.assign(out.rotation ?? {}, { waitForVerifiers: true, maxDelay: tenant.rotation.maxDelay })
  return out
}

/** Every key version with its state at `now`, in activation order. */
export function keyViews (keys: KeyVersion[], policy: TokenPolicy, jwksMaxAge: number, now: number): KeyView[] {
  const view = deriveKeyring(keys, now, retireAfterMs(policy, jwksMaxAge))
  return view.statuses.map(({ key, state, published, retiresAt, promotedAt }) => {
    const out: KeyView = {
      kid: key.kid,
      alg: key.alg,
      source: key.source,
      state,
      published,
      createdAt: iso(key.createdAt),
      publishAt: iso(key.publishAt),
      activateAt: iso(key.activateAt)
    }
    if (key.publicJwk !== undefined) out.publicKeyPem = publicKeyPem(key.publicJwk)
    if (key.revokedAt !== undefined) out.revokedAt = iso(key.revokedAt)
    if (key.activateBy !== undefined) out.activateBy = iso(key.activateBy)
    if (promotedAt !== undefined) out.promotedAt = iso(promotedAt)
    if (retiresAt !== undefined && (state === 'retiring' || state === 'retired')) out.retiresAt = iso(retiresAt)
    return out
  }).sort((a, b) => a.activateAt.localeCompare(b.activateAt))
}

export const apiKeyView = (record: ApiKeyRecord): ApiKeyView => ({ id: record.id, name: record.name, createdAt: iso(record.createdAt) })

/** An entry written before actors had names shows its actor as its name. */
export const auditView = (entry: AuditEntry): AuditView => ({ ...entry, actorName: entry.actorName ?? entry.actor, at: iso(entry.at) })
