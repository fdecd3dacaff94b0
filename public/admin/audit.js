// The audit log view: every admin action, newest first, optionally for one tenant.
import { api } from './api.js'
import { field, h, replace, time } from './dom.js'
import { clearMessages, showError } from './messages.js'

function auditTable (items) {
  if (items.length === 0) return h('p', { class: 'muted' }, 'No audit entries.')
  return h('div', { class: 'table-wrap' }, h('table', { class: 'audit', 'aria-label': 'Audit entries' },
    h('thead', {}, h('tr', {}, ['Time', 'Action', 'Tenant', 'Key id', 'Actor', 'IP'].map(text => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, items.map(entry => h('tr', { dataset: { action: entry.action } },
      h('td', {}, time(entry.at)),
      h('td', {}, h('span', { class: 'action' }, entry.action)),
      h('td', {}, h('code', {}, entry.tenant)),
      h('td', {}, entry.kid === undefined ? '' : h('code', {}, entry.kid)),
      h('td', { title: entry.actor }, entry.actorName ?? entry.actor),
      h('td', {}, entry.ip))))))
}

/** Renders the audit view into `view`, filtered by `tenant` when given; `tenantIds` feed the filter's suggestions. */
export async function showAudit (view, { tenant = '', tenantIds = [] } = {}) {
  const filter = h('input', { id: 'audit-tenant', type: 'search', list: 'audit-tenant-ids', autocomplete: 'off', 'data-path': '/query/tenant', placeholder: 'all tenants', value: tenant })
  const limit = h('input', { id: 'audit-limit', type: 'number', min: 1, max: 1000, step: 1, 'data-path': '/query/limit', value: 100 })
  const results = h('div', { class: 'audit-results', 'aria-live': 'polite' })
  const form = h('form', { class: 'inline-form', id: 'audit-form', 'aria-label': 'Filter the audit log' },
    field('Tenant', filter),
    h('datalist', { id: 'audit-tenant-ids' }, tenantIds.map(id => h('option', { value: id }))),
    field('Entries', limit),
    h('button', { type: 'submit', class: 'primary' }, 'Show'))

  const load = async () => {
    clearMessages()
    replace(results, h('p', { class: 'muted' }, 'Loading…'))
    try {
      const page = await api.audit(filter.value.trim(), Number(limit.value) || 100)
      replace(results, auditTable(page.items))
    } catch (err) {
      replace(results)
      showError(err, form)
    }
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    await load()
  })

  replace(view,
    h('section', { class: 'card', 'aria-labelledby': 'audit-title' },
      h('h2', { id: 'audit-title' }, 'Audit log'),
      h('p', { class: 'muted' }, 'Every admin action, newest first. Entries never contain key material.'),
      form,
      results))
  await load()
}
