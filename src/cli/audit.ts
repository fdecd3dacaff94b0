// `tokenmint audit`: the admin audit log, newest first, one page at a time.
import type { Command } from 'commander'
import type { AuditList } from '../schemas/keys.js'
import type { CliContext } from './context.js'
import { integer, time } from './input.js'

export function registerAudit (program: Command, ctx: CliContext): void {
  program.command('audit')
    .description('show the admin audit log, newest first (never material)')
    .option('--tenant <id>', 'only this tenant\'s entries')
    .option('--actor <actor>', 'only this actor\'s entries: root, a credential id, oidc:<sub>')
    .option('--since <time>', 'no entry older than this (Unix seconds or ISO 8601)', time)
    .option('--cursor <cursor>', 'start after this cursor (printed at the end of a page)')
    .option('--limit <n>', 'entries per page (1-1000, server default 100)', integer(1))
    .action(async (flags: { tenant?: string, actor?: string, since?: number | string, cursor?: string, limit?: number }, command: Command) => {
      const { client, out } = ctx.session(command)
      const query = { tenant: flags.tenant, actor: flags.actor, since: flags.since, cursor: flags.cursor, limit: flags.limit }
      const log = await client.request<AuditList>('GET', '/v1/admin/audit', { auth: 'admin', query })
      out.result(log, () => {
        out.table(['at', 'action', 'tenant', 'kid', 'actor', 'name', 'ip'], log.items.map(e => [e.at, e.action, e.tenant, e.kid, e.actor, e.actorName, e.ip]), 'no entries')
        if (log.nextCursor !== null) out.line(`more: tokenmint audit --cursor ${log.nextCursor}`)
      })
    })
}
