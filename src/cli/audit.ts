// `tokenmint audit`: the admin audit log, newest first.
import type { Command } from 'commander'
import type { AuditList } from '../schemas/keys.js'
import type { CliContext } from './context.js'
import { integer } from './input.js'

export function registerAudit (program: Command, ctx: CliContext): void {
  program.command('audit')
    .description('show the admin audit log, newest first (never material)')
    .option('--tenant <id>', 'only this tenant\'s entries')
    .option('--limit <n>', 'entries (1-1000, server default 100)', integer(1))
    .action(async (flags: { tenant?: string, limit?: number }, command: Command) => {
      const { client, out } = ctx.session(command)
      const log = await client.request<AuditList>('GET', '/v1/admin/audit', { auth: 'admin', query: { tenant: flags.tenant, limit: flags.limit } })
      out.result(log, () => out.table(['at', 'action', 'tenant', 'kid', 'actor', 'ip'],
        log.items.map(e => [e.at, e.action, e.tenant, e.kid, e.actor, e.ip]), 'no entries'))
    })
}
