// The credentials view (role admin): create a scoped credential (its token shown once, with copy), list with last use, delete with confirmation.
import { api } from './api.js'
import { confirmAction } from './dialog.js'
import { field, h, replace, time } from './dom.js'
import { clearMessages, showError, showNotice } from './messages.js'
import { oncePanel } from './tenant-detail.js'

const ROLES = ['admin', 'operator', 'tenant-admin', 'auditor']

function credentialTable (items, onDelete) {
  if (items.length === 0) return h('p', { class: 'muted' }, 'No scoped credential yet.')
  return h('div', { class: 'table-wrap' }, h('table', { class: 'audit', 'aria-label': 'Credentials' },
    h('thead', {}, h('tr', {}, ['Name', 'Id', 'Role', 'Tenants', 'Created', 'Expires', 'Last used', ''].map(text => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, items.map(item => h('tr', { dataset: { credential: item.id } },
      h('td', {}, item.name),
      h('td', {}, h('code', {}, item.id)),
      h('td', {}, h('span', { class: 'badge' }, item.role)),
      h('td', {}, item.tenants === null ? 'all' : item.tenants.join(', ')),
      h('td', {}, time(item.createdAt)),
      h('td', {}, item.expiresAt === null ? 'never' : time(item.expiresAt)),
      h('td', {}, item.lastUsedAt === null ? 'never' : time(item.lastUsedAt)),
      h('td', {}, h('button', { type: 'button', class: 'danger small credentials-only', 'aria-label': `Delete credential ${item.name}`, onclick: () => onDelete(item) }, 'Delete')))))))
}

/** Renders the credentials view into `view`. */
export async function showCredentials (view) {
  const listSlot = h('div', {})
  const onceSlot = h('div', {})
  const name = h('input', { id: 'credential-name', type: 'text', autocomplete: 'off', maxlength: 200, required: true, 'data-path': '/name' })
  const role = h('select', { id: 'credential-role', 'data-path': '/role' }, ROLES.map(r => h('option', { value: r }, r)))
  const tenants = h('input', { id: 'credential-tenants', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'acme, acme-eu', 'data-path': '/tenants' })
  const form = h('form', { class: 'card sub credentials-only', id: 'credential-form', 'aria-labelledby': 'credential-form-title' },
    h('h3', { id: 'credential-form-title' }, 'New credential'),
    field('Name', name, 'Who or what holds it, e.g. "Acme team" or "deploy pipeline".'),
    field('Role', role, 'tenant-admin: only the tenants listed below; auditor: read only.'),
    field('Tenants (tenant-admin only)', tenants, 'Comma-separated tenant ids.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create credential')))

  const reload = async () => {
    const page = await api.listCredentials()
    replace(listSlot, credentialTable(page.items, remove))
  }
  const remove = async (item) => {
    clearMessages()
    const ok = await confirmAction({
      title: `Delete credential ${item.name}?`,
      text: 'It and every session opened with it are refused on every instance within a second. This cannot be undone.',
      confirmLabel: 'Delete credential'
    })
    if (!ok) return
    try {
      await api.deleteCredential(item.id)
      showNotice(`Credential ${item.name} deleted.`)
      await reload()
    } catch (err) {
      showError(err)
    }
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearMessages()
    const body = { name: name.value.trim(), role: role.value }
    const listed = tenants.value.split(',').map(s => s.trim()).filter(Boolean)
    if (role.value === 'tenant-admin' || listed.length > 0) body.tenants = listed
    try {
      const created = await api.createCredential(body)
      replace(onceSlot, oncePanel(`Credential “${created.name}”`, created.token, 'Give it to its holder: it is the Bearer token of the admin API and signs in to this dashboard.'))
      form.reset()
      await reload()
    } catch (err) {
      showError(err, form)
    }
  })

  replace(view,
    h('section', { class: 'card', 'aria-labelledby': 'credentials-title' },
      h('h2', { id: 'credentials-title' }, 'Credentials'),
      h('p', { class: 'muted' }, 'Scoped admin credentials. Tokens are shown once, when created; the service keeps only their digest.'),
      onceSlot,
      form,
      listSlot))
  try {
    await reload()
  } catch (err) {
    showError(err)
  }
}
