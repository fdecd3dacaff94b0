// `tokenmint api-keys`: credentials of a tenant's backend: create (shown once), list, delete.
import type { Command } from 'commander'
import type { ApiKeyCreated, ApiKeyList } from '../schemas/keys.js'
import type { CliContext } from './context.js'
import { path } from './http-client.js'

const apiKeysPath = (tenant: string): string => '/v1/admin/tenants' + path(tenant, 'api-keys')

export function registerApiKeys (program: Command, ctx: CliContext): void {
  const apiKeys = program.command('api-keys').description('create, list and delete the API keys a tenant\'s backend calls with')

  apiKeys.command('create')
    .description('create an API key (the full key is shown once)')
    .argument('<tenant>', 'tenant id')
    .requiredOption('--name <name>', 'what the key is for, e.g. "prod backend"')
    .action(async (tenant: string, flags: { name: string }, command: Command) => {
      const { client, out } = ctx.session(command)
      const created = await client.request<ApiKeyCreated>('POST', apiKeysPath(tenant), { auth: 'admin', body: { name: flags.name } })
      out.result(created, () => out.line(`created API key ${created.id} (${created.name}) of ${tenant}`))
      out.secret('API key', 'apiKey', created.apiKey)
    })

  apiKeys.command('list')
    .description('list API keys (ids and names, never the keys)')
    .argument('<tenant>', 'tenant id')
    .action(async (tenant: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const list = await client.request<ApiKeyList>('GET', apiKeysPath(tenant), { auth: 'admin' })
      out.result(list, () => out.table(['id', 'name', 'created'], list.items.map(k => [k.id, k.name, k.createdAt]), 'no API keys'))
    })

  apiKeys.command('delete')
    .description('delete an API key: refused from then on, on every instance')
    .argument('<tenant>', 'tenant id')
    .argument('<id>', 'API key id (see api-keys list)')
    .action(async (tenant: string, id: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      await client.request('DELETE', apiKeysPath(tenant) + path(id), { auth: 'admin' })
      out.result(undefined, () => out.line(`deleted API key ${id} of ${tenant}`))
    })
}
