// Single sign-on for operators: OPERATOR_OIDC_ROLES (claim values to roles) and the principal a signed-in user becomes.
import type { Role } from './actions.js'
import type { Principal } from './authorize.js'

/** One mapping of OPERATOR_OIDC_ROLES: a value of the claim, the role it grants, and a tenant-admin's tenants. */
export interface RoleMapping {
  value: string
  role: Role
  tenants: string[] | null
}

const MAPPED_ROLES: readonly Role[] = ['admin', 'operator', 'auditor']
const TENANT = /^[a-z0-9][a-z0-9-]{1,62}$/

/**
 * Parses `tm-admins=admin,tm-ops=operator,acme-team=tenant-admin:acme|acme-eu`; throws an Error saying what is
 * wrong with an entry (the config names the variable).
 */
export function parseRoleMappings (raw: string): RoleMapping[] {
  return raw.split(',').map(entry => entry.trim()).filter(Boolean).map(entry => {
    const at = entry.lastIndexOf('=')
    if (at <= 0) throw new Error(`has "${entry}", not value=role`)
    const value = entry.slice(0, at)
    const grant = entry.slice(at + 1)
    if (grant.startsWith('tenant-admin:')) {
      const tenants = grant.slice('tenant-admin:'.length).split('|').filter(Boolean)
      if (tenants.length === 0 || !tenants.every(tenant => TENANT.test(tenant))) throw new Error(`has "${entry}": tenant-admin takes tenant ids separated by |`)
      return { value, role: 'tenant-admin', tenants }
    }
    if (!(MAPPED_ROLES as readonly string[]).includes(grant)) throw new Error(`has "${entry}": the role must be admin, operator, auditor or tenant-admin:<tenants>`)
    return { value, role: grant as Role, tenants: null }
  })
}

/** The text without control characters (code points below 32, and 127). */
const printable = (text: string): string => [...text].filter(c => c.charCodeAt(0) >= 32 && c.charCodeAt(0) !== 127).join('')

/** Which of two roles a user with both gets: the first in this order (a tenant-admin's tenants add up). */
const PRECEDENCE: readonly Role[] = ['admin', 'operator', 'auditor', 'tenant-admin']

/**
 * The principal of a signed-in user, from its claims: its mapped values decide the role (the strongest one, tenants
 * of several tenant-admin mappings added up); undefined when no value of the claim is mapped (the user is refused).
 * The actor is `oidc:<sub>`, its name the `email` or `name` claim.
 */
export function oidcPrincipal (claims: Record<string, unknown>, claim: string, mappings: readonly RoleMapping[]): Principal | undefined {
  const sub = claims.sub
  if (typeof sub !== 'string' || sub === '') return undefined
  const raw = claims[claim]
  const values = new Set(Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : typeof raw === 'string' ? [raw] : [])
  const granted = mappings.filter(mapping => values.has(mapping.value))
  if (granted.length === 0) return undefined
  const role = PRECEDENCE.find(candidate => granted.some(mapping => mapping.role === candidate)) as Role
  const tenants = role === 'tenant-admin' ? [...new Set(granted.flatMap(mapping => mapping.tenants ?? []))].sort() : null
  const name = typeof claims.email === 'string' ? claims.email : typeof claims.name === 'string' ? claims.name : sub
  // The actor is written into audit entries: no control characters.
  return { id: `oidc:${printable(sub)}`, name: printable(name), role, tenants }
}
