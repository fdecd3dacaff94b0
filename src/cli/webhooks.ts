// `tokenmint webhooks`: endpoints that receive signed key events: create (secret shown once), list, delete, test, deliveries, retry.
import type { Command } from 'commander'
import type { DeliveryList, DeliveryView, WebhookCreated, WebhookView } from '../schemas/webhooks.js'
import { DELIVERY_STATUSES } from '../store/event-store.js'
import type { CliContext } from './context.js'
import { UsageError } from './errors.js'
import { path } from './http-client.js'
import { integer } from './input.js'

const webhooksPath = '/v1/admin/webhooks'
const list = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map(s => s.trim()).filter(Boolean)]

export function registerWebhooks (program: Command, ctx: CliContext): void {
  const webhooks = program.command('webhooks').description('create, list, delete and test the webhooks that receive signed key and tenant events')

  webhooks.command('create')
    .description('create a webhook (its whsec_ secret is shown once)')
    .argument('<url>', 'https URL the events are POSTed to')
    .option('--events <types>', 'event types, comma-separated (default: all, "*")', list)
    .option('--tenants <ids>', 'only these tenants, comma-separated (default: every tenant)', list)
    .option('--description <text>', 'what the webhook is for')
    .action(async (url: string, flags: { events?: string[], tenants?: string[], description?: string }, command: Command) => {
      const { client, out } = ctx.session(command)
      const body = { url, events: flags.events ?? ['*'], ...(flags.tenants === undefined ? {} : { tenants: flags.tenants }), ...(flags.description === undefined ? {} : { description: flags.description }) }
      const created = await client.request<WebhookCreated>('POST', webhooksPath, { auth: 'admin', body })
      out.result(created, () => out.line(`created webhook ${created.id} → ${created.url} (${created.events.join(', ')})`))
      out.secret('webhook signing secret', 'secret', created.secret)
    })

  webhooks.command('list')
    .description('list webhooks (never their secrets)')
    .action(async (_flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const answer = await client.request<{ items: WebhookView[] }>('GET', webhooksPath, { auth: 'admin' })
      out.result(answer, () => out.table(['id', 'url', 'events', 'tenants', 'created'],
        answer.items.map(w => [w.id, w.url, w.events.join(','), w.tenants?.join(',') ?? 'all', w.createdAt]), 'no webhooks'))
    })

  webhooks.command('delete')
    .description('delete a webhook and its deliveries')
    .argument('<id>', 'webhook id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      await client.request('DELETE', webhooksPath + path(id), { auth: 'admin' })
      out.result(undefined, () => out.line(`deleted webhook ${id}`))
    })

  webhooks.command('test')
    .description('deliver a webhook.test event to a webhook')
    .argument('<id>', 'webhook id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const delivery = await client.request<DeliveryView>('POST', webhooksPath + path(id, 'test'), { auth: 'admin' })
      out.result(delivery, () => out.line(`queued webhook.test ${delivery.id} for ${id}; see: tokenmint webhooks deliveries ${id}`))
    })

  webhooks.command('deliveries')
    .description('a webhook\'s deliveries, newest first: status, attempts, last answer, next attempt')
    .argument('<id>', 'webhook id')
    .option('--status <status>', `only ${DELIVERY_STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many (1 to 200)', integer(1))
    .option('--cursor <cursor>', 'the next page, from a previous answer')
    .action(async (id: string, flags: { status?: string, limit?: number, cursor?: string }, command: Command) => {
      if (flags.status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(flags.status)) throw new UsageError(`--status must be one of ${DELIVERY_STATUSES.join(', ')}`)
      const { client, out } = ctx.session(command)
      const query = new URLSearchParams()
      if (flags.status !== undefined) query.set('status', flags.status)
      if (flags.limit !== undefined) query.set('limit', String(flags.limit))
      if (flags.cursor !== undefined) query.set('cursor', flags.cursor)
      const suffix = query.size === 0 ? '' : `?${query.toString()}`
      const page = await client.request<DeliveryList>('GET', webhooksPath + path(id, 'deliveries') + suffix, { auth: 'admin' })
      out.result(page, () => {
        out.table(['id', 'type', 'tenant', 'status', 'attempts', 'last', 'next attempt'],
          page.items.map(d => [d.id, d.type, d.tenant ?? '-', d.status, d.attempts, d.lastError ?? d.lastStatus ?? '-', d.nextAttemptAt ?? '-']), 'no deliveries')
        if (page.nextCursor !== null) out.line(`more: --cursor ${page.nextCursor}`)
      })
    })

  webhooks.command('retry')
    .description('attempt a failed delivery again (same webhook-id)')
    .argument('<id>', 'webhook id')
    .argument('<deliveryId>', 'delivery id (see webhooks deliveries)')
    .action(async (id: string, deliveryId: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const delivery = await client.request<DeliveryView>('POST', webhooksPath + path(id, 'deliveries', deliveryId, 'retry'), { auth: 'admin' })
      out.result(delivery, () => out.line(`retrying delivery ${delivery.id} of ${id}`))
    })
}
