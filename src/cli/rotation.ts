// `tokenmint rotation`: a tenant's periodic key rotation: set or clear.
import type { Command } from 'commander'
import type { TenantAnswer } from '../schemas/tenant.js'
import type { CliContext } from './context.js'
import { path } from './http-client.js'
import { integer, type JsonObject } from './input.js'

const rotationPath = (tenant: string): string => '/v1/admin/tenants' + path(tenant, 'rotation')

export function registerRotation (program: Command, ctx: CliContext): void {
  const rotation = program.command('rotation').description('set or clear a tenant\'s periodic key rotation')

  rotation.command('set')
    .description('generate a new key version every --every seconds (once per period across all instances)')
    .argument('<tenant>', 'tenant id')
    .requiredOption('--every <s>', 'seconds between versions', integer(1))
    .option('--prepublish <s>', 'seconds a version is in the JWKS before it signs (default: the JWKS max-age)', integer(0))
    .action(async (tenant: string, flags: { every: number, prepublish?: number }, command: Command) => {
      const { client, out } = ctx.session(command)
      const body: JsonObject = { every: flags.every }
      if (flags.prepublish !== undefined) body.prepublish = flags.prepublish
      const updated = await client.request<TenantAnswer>('PUT', rotationPath(tenant), { auth: 'admin', body })
      out.result(updated, () => {
        const policy = updated.rotation
        out.line(policy === undefined
          ? `rotation of ${tenant} set`
          : `${tenant} rotates every ${policy.every} s, each version published ${policy.prepublish} s before it signs (since ${policy.since})`)
      })
      out.warnings(updated.warnings)
    })

  rotation.command('clear')
    .description('stop periodic rotation (existing key versions stay as they are)')
    .argument('<tenant>', 'tenant id')
    .action(async (tenant: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      await client.request('DELETE', rotationPath(tenant), { auth: 'admin' })
      out.result(undefined, () => out.line(`periodic rotation of ${tenant} stopped`))
    })
}
