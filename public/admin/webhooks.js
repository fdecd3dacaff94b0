// The webhooks view: every webhook, its recent deliveries with status and attempts, send-test and retry buttons.
import { api } from './api.js'
import { h, replace, time } from './dom.js'
import { clearMessages, showError, showNotice } from './messages.js'

function deliveriesTable (webhook, items, reload) {
  if (items.length === 0) return h('p', { class: 'muted' }, 'No deliveries yet.')
  return h('div', { class: 'table-wrap' }, h('table', { class: 'deliveries', 'aria-label': `Deliveries of ${webhook.id}` },
    h('thead', {}, h('tr', {}, ['Created', 'Event', 'Tenant', 'Status', 'Attempts', 'Last answer', 'Next attempt', ''].map(text => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, items.map(delivery => h('tr', { dataset: { delivery: delivery.id, status: delivery.status } },
      h('td', {}, time(delivery.createdAt)),
      h('td', {}, h('code', {}, delivery.type)),
      h('td', {}, delivery.tenant === null ? '' : h('code', {}, delivery.tenant)),
      h('td', {}, h('span', { class: `state state-${delivery.status}` }, delivery.status)),
      h('td', { class: 'attempts' }, String(delivery.attempts)),
      h('td', {}, delivery.lastError ?? (delivery.lastStatus === null ? '' : String(delivery.lastStatus))),
      h('td', {}, delivery.nextAttemptAt === null ? '' : time(delivery.nextAttemptAt)),
      h('td', {}, delivery.status !== 'failed'
        ? ''
        : h('button', {
          type: 'button',
          class: 'retry',
          onclick: async () => {
            clearMessages()
            try {
              await api.retryDelivery(webhook.id, delivery.id)
              showNotice(`Delivery ${delivery.id} will be attempted again.`)
              await reload()
            } catch (err) {
              showError(err)
            }
          }
        }, 'Retry')))))))
}

function webhookCard (webhook) {
  const results = h('div', { class: 'webhook-deliveries', 'aria-live': 'polite' })
  const reload = async () => {
    try {
      const page = await api.deliveries(webhook.id)
      replace(results, deliveriesTable(webhook, page.items, reload))
    } catch (err) {
      replace(results)
      showError(err)
    }
  }
  const test = h('button', {
    type: 'button',
    class: 'send-test',
    onclick: async () => {
      clearMessages()
      try {
        const delivery = await api.testWebhook(webhook.id)
        showNotice(`A webhook.test event (${delivery.id}) is on its way to ${webhook.url}.`)
        await reload()
      } catch (err) {
        showError(err)
      }
    }
  }, 'Send test event')
  const refresh = h('button', { type: 'button', class: 'refresh', onclick: reload }, 'Refresh')
  const card = h('article', { class: 'card webhook', dataset: { webhook: webhook.id } },
    h('h3', {}, h('code', {}, webhook.url)),
    h('p', { class: 'muted small' }, `${webhook.id} · events: ${webhook.events.join(', ')} · tenants: ${webhook.tenants === null ? 'all' : webhook.tenants.join(', ')}`,
      webhook.description === '' ? '' : ` · ${webhook.description}`),
    h('div', { class: 'actions' }, test, refresh),
    results)
  reload()
  return card
}

/** Renders the webhooks view into `view`. */
export async function showWebhooks (view) {
  const list = h('div', { class: 'webhook-list' }, h('p', { class: 'muted' }, 'Loading…'))
  replace(view,
    h('section', { class: 'card', 'aria-labelledby': 'webhooks-title' },
      h('h2', { id: 'webhooks-title' }, 'Webhooks'),
      h('p', { class: 'muted' }, 'Endpoints that receive signed key and tenant events, with their recent deliveries. Create them with the API or `tokenmint webhooks create`.'),
      list))
  try {
    const page = await api.listWebhooks()
    replace(list, page.items.length === 0 ? h('p', { class: 'muted' }, 'No webhooks.') : page.items.map(webhookCard))
  } catch (err) {
    replace(list)
    showError(err)
  }
}
