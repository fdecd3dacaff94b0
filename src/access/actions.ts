// The vocabulary of access control: every action an admin route performs, the roles, and what each role may do.

/**
 * Every action an admin route can declare (`config: { action }`), one per row of the roles table.
 * Webhook actions are scoped by the webhooks' tenants: a tenant-admin may act on a webhook only when
 * every tenant the webhook names lies within its scope (the route passes those tenants to `authorize`).
 */
export const ACTIONS = [
  'credentials:create',
  'credentials:list',
  'credentials:delete',
  'tenants:create',
  'tenants:delete',
  'tenants:list',
  'tenants:read',
  'tenants:update',
  /** A PATCH that changes `rateLimit`: the platform's limit, not the tenant's own setting. */
  'tenants:rate-limit',
  /** Keys, API keys, verifiers and rotation: read. */
  'keys:read',
  /** Generate, import, rotate, revoke keys; set or clear rotation. */
  'keys:write',
  'api-keys:write',
  'webhooks:read',
  'webhooks:write',
  'audit:read',
  /** What any valid credential may do about itself: whoami, open and close a dashboard session. */
  'self'
] as const
export type Action = typeof ACTIONS[number]

export const ROLES = ['admin', 'operator', 'tenant-admin', 'auditor'] as const
export type Role = typeof ROLES[number]

const READS: readonly Action[] = ['tenants:list', 'tenants:read', 'keys:read', 'webhooks:read', 'audit:read', 'self']
const TENANT_WRITES: readonly Action[] = ['tenants:update', 'keys:write', 'api-keys:write', 'webhooks:write']

/** The roles table of the specification: the actions each role may perform (scope aside). */
export const ROLE_ACTIONS: Readonly<Record<Role, ReadonlySet<Action>>> = {
  admin: new Set(ACTIONS),
  operator: new Set(ACTIONS.filter(action => !action.startsWith('credentials:'))),
  'tenant-admin': new Set([...READS, ...TENANT_WRITES]),
  auditor: new Set([...READS, 'credentials:list'])
}

/** Roles whose credentials may also scrape GET /metrics. */
export const METRICS_ROLES: ReadonlySet<Role> = new Set(['admin', 'operator', 'auditor'])
