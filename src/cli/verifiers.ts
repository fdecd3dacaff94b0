// `tokenmint verifiers`: who fetched a tenant's JWKS or discovery document, most recently seen first, one page at a time.
import type { Command } from 'commander'
import type { VerifierList } from '../schemas/verifiers.js'
import type { CliContext } from './context.js'
import { path } from './http-client.js'
import { integer } from './input.js'

export function registerVerifiers (program: Command, ctx: CliContext): void {
  const verifiers = program.command('verifiers').description('the verifiers of a tenant: address, User-Agent, fetches and the kids each holds')
  verifiers.command('list')
    .description('verifiers of a tenant, most recently seen first')
    .argument('<tenant>', 'tenant id')
    .option('--cursor <cursor>', 'start after this cursor (printed at the end of a page)')
    .option('--limit <n>', 'verifiers per page (1-1000, server default 100)', integer(1))
    .action(async (tenant: string, flags: { cursor?: string, limit?: number }, command: Command) => {
      const { client, out } = ctx.session(command)
      const list = await client.request<VerifierList>('GET', '/v1/admin/tenants' + path(tenant, 'verifiers'), { auth: 'admin', query: { cursor: flags.cursor, limit: flags.limit } })
      out.result(list, () => {
        out.table(['id', 'address', 'user agent', 'last seen', 'fetches', 'kids'],
          list.items.map(v => [v.id, v.ip, v.userAgent, v.lastSeen, v.fetches, v.kids.join(' ')]), 'no verifiers yet')
        if (list.nextCursor !== null) out.line(`more: tokenmint verifiers list ${tenant} --cursor ${list.nextCursor}`)
      })
    })
}
