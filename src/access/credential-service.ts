// Operator actions on scoped credentials: create (the token shown once), list, delete; each one atomic store write with its audit entry.
import { auditEntry, type Actor } from '../admin-service.js'
import { invalid } from '../errors.js'
import type { CredentialCreate, CredentialCreated, CredentialView } from '../schemas/access.js'
import type { Store } from '../store/store.js'
import { iso, parseTime } from '../time.js'
import type { AuditEntry, Clock } from '../types.js'
import { createCredential, type CredentialRecord } from './credentials.js'

const isoOrNull = (ms: number | null): string | null => ms === null ? null : iso(ms)

export function credentialView (record: CredentialRecord & { lastUsedAt: number | null }): CredentialView {
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    tenants: record.tenants,
    createdAt: iso(record.createdAt),
    expiresAt: isoOrNull(record.expiresAt),
    lastUsedAt: isoOrNull(record.lastUsedAt)
  }
}

export class CredentialService {
  constructor (private readonly store: Store, private readonly clock: Clock) {}

  /** Access-control entries belong to no tenant (tenant ''); their `kid` is the credential's id. */
  private audit (who: Actor, action: string, id: string): AuditEntry {
    return auditEntry(who, this.clock(), action, '', id)
  }

  async create (input: CredentialCreate, who: Actor): Promise<CredentialCreated> {
    const now = this.clock()
    let tenants: string[] | null = null
    if (input.role === 'tenant-admin') {
      if (input.tenants === undefined) throw invalid('/tenants', 'is required for the tenant-admin role: the tenants it may administer')
      tenants = [...new Set(input.tenants)].sort()
    } else if (input.tenants !== undefined) {
      throw invalid('/tenants', `is only for the tenant-admin role: ${input.role} covers every tenant`)
    }
    const expiresAt = input.expiresAt === undefined ? null : parseTime(input.expiresAt, '/expiresAt')
    if (expiresAt !== null && expiresAt <= now) throw invalid('/expiresAt', 'must be in the future')
    const { record, token } = createCredential({ name: input.name, role: input.role, tenants, expiresAt }, now)
    await this.store.putCredential(record, this.audit(who, 'credential.create', record.id))
    const { lastUsedAt: _never, ...view } = credentialView({ ...record, lastUsedAt: null })
    return { ...view, token }
  }

  async list (): Promise<CredentialView[]> {
    return (await this.store.listCredentials()).map(credentialView)
  }

  async delete (id: string, who: Actor): Promise<void> {
    await this.store.deleteCredential(id, this.audit(who, 'credential.delete', id))
  }
}
