// The one authorization decision: may this principal perform this action on this tenant?
import { TokenmintError } from '../errors.js'
import { ROLE_ACTIONS, type Action, type Role } from './actions.js'

/** Who a request acts as, however it authenticated (ADMIN_TOKEN, a scoped credential or a dashboard session). */
export interface Principal {
  /** The audit actor: 'root', a credential id, or 'oidc:<sub>'. */
  id: string
  name: string
  role: Role
  /** The tenants a tenant-admin may see; null for every other role. */
  tenants: string[] | null
  /** The credential behind it (absent for root and single sign-on); a deleted credential ends its sessions. */
  credentialId?: string
  /** Set when the request came with the session cookie: the session and when it ends (epoch ms). */
  sessionId?: string
  sessionExpiresAt?: number
}

export const ROOT: Principal = Object.freeze({ id: 'root', name: 'root', role: 'admin', tenants: null })

/** Whether the tenant lies within the principal's scope (every tenant for a principal without a tenant list). */
export function inScope (principal: Principal, tenant: string): boolean {
  return principal.tenants === null || principal.tenants.includes(tenant)
}

/**
 * Decides, or throws. The scope is checked first: a tenant outside a tenant-admin's scope is `404 TENANT_NOT_FOUND`,
 * whatever the action, exactly as for a tenant that does not exist, so a refusal never tells that it exists.
 * Then the role: an action its role does not allow is `403 FORBIDDEN`.
 * `tenants` are the tenants the action names (a route's `:tenant`, an audit filter, a webhook's tenants).
 */
export function authorize (principal: Principal, action: Action, tenants: readonly string[]): void {
  for (const tenant of tenants) {
    if (!inScope(principal, tenant)) throw new TokenmintError('TENANT_NOT_FOUND', `tenant ${tenant} does not exist`)
  }
  if (!ROLE_ACTIONS[principal.role].has(action)) {
    throw new TokenmintError('FORBIDDEN', `the role ${principal.role} may not perform ${action}`)
  }
}
