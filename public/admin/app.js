// Dashboard entry: sign-in through a session (an HttpOnly cookie; nothing in browser storage), navigation and the tenant list.
import { api, session } from './api.js'
import { showAudit } from './audit.js'
import { showCredentials } from './credentials.js'
import { h, replace } from './dom.js'
import { clearMessages, onUnauthorized, showError, showNotice } from './messages.js'
import { showTenant } from './tenant-detail.js'
import { loadProfiles } from './profiles.js'
import { renderTenantForm } from './tenant-form.js'
import { showWebhooks } from './webhooks.js'

const PAGE_SIZE = 50
const $ = (id) => document.getElementById(id)

const state = { tenants: [], nextCursor: null, selected: null }

function showView (name) {
  for (const view of ['signin', 'tenants', 'audit', 'webhooks', 'credentials']) $(`${view}-view`).hidden = view !== name
  $('nav').hidden = name === 'signin'
  for (const view of ['tenants', 'audit', 'webhooks', 'credentials']) {
    const button = $(`nav-${view}`)
    if (view === name) button.setAttribute('aria-current', 'page')
    else button.removeAttribute('aria-current')
  }
}

function welcome () {
  replace($('tenant-pane'), h('div', { class: 'empty' },
    h('h2', {}, 'Tenants'),
    h('p', { class: 'muted' }, state.tenants.length === 0
      ? (session.can('tenants:create') ? 'No tenant yet. Create the first one.' : 'No tenant to show.')
      : `Pick a tenant on the left to see its keys and API keys${session.can('tenants:create') ? ', or create a new one' : ''}.`),
    h('button', { type: 'button', class: 'primary platform-write', onclick: newTenant }, 'New tenant')))
}

const byId = (a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0

/** Adds tenants to the loaded list, once each, in id order. */
function mergeTenants (items) {
  const known = new Map(state.tenants.map(t => [t.id, t]))
  for (const item of items) known.set(item.id, item)
  state.tenants = [...known.values()].sort(byId)
}

function renderList () {
  const query = $('tenant-search').value.trim().toLowerCase()
  const shown = query === ''
    ? state.tenants
    : state.tenants.filter(t => t.id.toLowerCase().includes(query) || t.name.toLowerCase().includes(query))
  replace($('tenant-list'), shown.map(t => h('li', {},
    h('button', {
      type: 'button',
      class: 'tenant-item',
      dataset: { tenant: t.id },
      'aria-current': t.id === state.selected ? 'true' : false,
      onclick: () => selectTenant(t.id)
    },
    h('span', { class: 'tenant-id' }, t.id),
    h('span', { class: 'tenant-name' }, t.name),
    h('span', { class: 'badge' }, t.profile)))))
  const more = state.nextCursor !== null
  $('tenant-count').textContent = query === ''
    ? `${state.tenants.length} tenant${state.tenants.length === 1 ? '' : 's'}${more ? ' loaded, more on the server' : ''}`
    : `${shown.length} of ${state.tenants.length} loaded tenants match${more ? ' (load more to search further)' : ''}`
  $('tenant-more').hidden = !more
}

async function loadMore () {
  clearMessages()
  try {
    const page = await api.listTenants(state.nextCursor, PAGE_SIZE)
    mergeTenants(page.items)
    state.nextCursor = page.nextCursor
    renderList()
  } catch (err) {
    showError(err)
  }
}

async function selectTenant (id, created) {
  state.selected = id
  renderList()
  showView('tenants')
  await showTenant($('tenant-pane'), id, { created, onAudit: openAudit, onDeleted: tenantDeleted })
}

function tenantDeleted (id) {
  state.tenants = state.tenants.filter(tenant => tenant.id !== id)
  state.selected = null
  renderList()
  welcome()
}

async function newTenant () {
  clearMessages()
  state.selected = null
  renderList()
  let profiles
  try {
    profiles = await loadProfiles()
  } catch (err) {
    showError(err)
    return
  }
  replace($('tenant-pane'), renderTenantForm({
    profiles,
    onCreated: async (tenant) => {
      mergeTenants([tenant])
      showNotice(`Tenant ${tenant.id} created.`)
      await selectTenant(tenant.id, tenant)
    },
    onCancel: welcome
  }))
}

async function openAudit (tenant = '') {
  clearMessages()
  showView('audit')
  await showAudit($('audit-view'), { tenant, tenantIds: state.tenants.map(t => t.id) })
}

async function openCredentials () {
  clearMessages()
  showView('credentials')
  await showCredentials($('credentials-view'))
}

/** Shows the dashboard for the signed-in session: only what its role may do (the server decides in any case). */
async function enter (current) {
  session.current = current
  document.body.dataset.role = current.role
  $('whoami').textContent = `${current.name} · ${current.role}${current.tenants === null ? '' : ` (${current.tenants.join(', ')})`}`
  const page = await api.listTenants(undefined, PAGE_SIZE)
  state.tenants = []
  mergeTenants(page.items)
  state.nextCursor = page.nextCursor
  state.selected = null
  $('tenant-search').value = ''
  showView('tenants')
  renderList()
  welcome()
  $('tenant-search').focus()
}

/** Forgets the session and everything shown with it (one-time secrets included). */
function signOut () {
  session.current = null
  delete document.body.dataset.role
  $('whoami').textContent = ''
  Object.assign(state, { tenants: [], nextCursor: null, selected: null })
  replace($('tenant-list'))
  replace($('tenant-pane'))
  replace($('audit-view'))
  replace($('webhooks-view'))
  replace($('credentials-view'))
  $('token').value = ''
  showView('signin')
  $('token').focus()
}

onUnauthorized(signOut)

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  clearMessages()
  const token = $('token').value.trim()
  const button = $('signin-submit')
  button.disabled = true
  try {
    // The credential is sent once, to open the session; the page does not keep it.
    $('token').value = ''
    await enter(await api.openSession(token))
  } catch (err) {
    showError(err)
  } finally {
    button.disabled = false
  }
})
$('sign-out').addEventListener('click', async () => {
  clearMessages()
  try {
    await api.endSession()
    signOut()
    showNotice('Signed out: the session is ended on every instance.')
  } catch (err) {
    showError(err)
  }
})
$('nav-credentials').addEventListener('click', () => openCredentials())
$('nav-tenants').addEventListener('click', () => {
  clearMessages()
  showView('tenants')
})
$('nav-audit').addEventListener('click', () => openAudit())
$('nav-webhooks').addEventListener('click', async () => {
  clearMessages()
  showView('webhooks')
  await showWebhooks($('webhooks-view'))
})
$('tenant-search').addEventListener('input', renderList)
$('tenant-more').addEventListener('click', loadMore)
$('new-tenant').addEventListener('click', newTenant)

// Single sign-on is offered when the server has an identity provider (OPERATOR_OIDC_*).
fetch('/admin/sign-in.json', { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' })
  .then(async res => res.ok ? await res.json() : { sso: false })
  .then(({ sso }) => { $('signin-sso').hidden = sso !== true })
  .catch(() => {})

// A reload keeps the session (its cookie): ask the server who it is and for its CSRF token again.
api.currentSession().then(enter).catch(() => {
  signOut()
})
