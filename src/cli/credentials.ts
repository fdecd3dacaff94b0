// `tokenmint credentials` (create, shown once; list; delete) and `tokenmint whoami`: scoped admin credentials.
import { type Command, InvalidArgumentError } from 'commander'
import { ROLES, type Role } from '../access/actions.js'
import type { CredentialCreate, CredentialCreated, CredentialList, Whoami } from '../schemas/access.js'
import type { CliContext } from './context.js'
import { path } from './http-client.js'
import { time } from './input.js'

function role (value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`)
  return value as Role
}

const tenantList = (value: string): string[] => value.split(',').map(s => s.trim()).filter(Boolean)

export function registerCredentials (program: Command, ctx: CliContext): void {
  const credentials = program.command('credentials').description('create, list and delete scoped admin credentials (role admin; auditors may list)')

  credentials.command('create')
    .description('create a credential tmo_<id>_<secret> (shown once)')
    .requiredOption('--name <name>', 'who or what holds it, e.g. "Acme team"')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, role)
    .option('--tenants <ids>', 'comma-separated tenant ids (tenant-admin only, required for it)', tenantList)
    .option('--expires-at <time>', 'when it stops working (Unix seconds or ISO 8601)', time)
    .action(async (flags: { name: string, role: Role, tenants?: string[], expiresAt?: number | string }, command: Command) => {
      const { client, out } = ctx.session(command)
      const body: CredentialCreate = { name: flags.name, role: flags.role }
      if (flags.tenants !== undefined) body.tenants = flags.tenants
      if (flags.expiresAt !== undefined) body.expiresAt = flags.expiresAt
      const created = await client.request<CredentialCreated>('POST', '/v1/admin/credentials', { auth: 'admin', body })
      out.result(created, () => out.line(`created credential ${created.id} (${created.name}), role ${created.role}${created.tenants === null ? '' : ` of ${created.tenants.join(', ')}`}`))
      out.secret('Credential', 'token', created.token)
    })

  credentials.command('list')
    .description('list credentials with their last use (never a token)')
    .action(async (_flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const list = await client.request<CredentialList>('GET', '/v1/admin/credentials', { auth: 'admin' })
      out.result(list, () => out.table(['id', 'name', 'role', 'tenants', 'expires', 'last used'],
        list.items.map(c => [c.id, c.name, c.role, c.tenants?.join(',') ?? 'all', c.expiresAt ?? 'never', c.lastUsedAt ?? 'never']), 'no credentials'))
    })

  credentials.command('delete')
    .description('delete a credential: it and its sessions are refused on every instance from then on')
    .argument('<id>', 'credential id (see credentials list)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      await client.request('DELETE', '/v1/admin/credentials' + path(id), { auth: 'admin' })
      out.result(undefined, () => out.line(`deleted credential ${id}`))
    })

  program.command('whoami')
    .description('show the credential TOKENMINT_ADMIN_TOKEN stands for: id, name, role, tenants')
    .action(async (_flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const who = await client.request<Whoami>('GET', '/v1/admin/whoami', { auth: 'admin' })
      out.result(who, () => out.line(`${who.id} (${who.name}), role ${who.role}${who.tenants === null ? ', every tenant' : `, tenants ${who.tenants.join(', ')}`}`))
    })
}
