// The create-tenant form: a profile picker that asks for exactly the options each profile needs.
import { api } from './api.js'
import { field, h } from './dom.js'
import { clearMessages, showError, showWarnings } from './messages.js'

export const PROFILES = {
  smooch: 'Sunshine Conversations (Smooch): HS256, userId',
  khoros: 'Khoros Brand Messenger: HS256, userId, platform, givenName',
  tiledesk: 'Tiledesk: HS256, audience names the project',
  sceyt: 'Sceyt: RS256, aid claim, JWKS published',
  'chat-widget': 'Chat widget (Zendesk-style): HS256, name, email, external_id',
  custom: 'Custom: your JSON Schema, any algorithm'
}

const EXAMPLE_SCHEMA = JSON.stringify({
  type: 'object',
  properties: { sub: { type: 'string', minLength: 1 }, role: { enum: ['member', 'agent'] } },
  required: ['sub'],
  additionalProperties: false
}, null, 2)

const input = (id, attrs = {}) => h('input', { id, name: id, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs })

/** Parses a JSON textarea; a blank one is undefined. Throws a field error shaped like the API's. */
function jsonField (textarea, path, required) {
  const text = textarea.value.trim()
  if (text === '') {
    if (required) throw Object.assign(new Error(`${path} is required`), { fieldPath: path })
    return undefined
  }
  let value
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw Object.assign(new Error(`${path} is not valid JSON: ${err.message}`), { fieldPath: path })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw Object.assign(new Error(`${path} must be a JSON object`), { fieldPath: path })
  }
  return value
}

/** The form; `onCreated(tenant)` gets the 201 body (with initialSecret when one was generated). */
export function renderTenantForm ({ onCreated, onCancel }) {
  const profile = h('select', { id: 'new-profile', name: 'profile', 'data-path': '/profile' },
    Object.entries(PROFILES).map(([name, text]) => h('option', { value: name }, `${name} — ${text}`)))

  const platform = h('select', { id: 'opt-platform', 'data-path': '/profileOptions/platform' },
    h('option', { value: '' }, 'profile default (web)'),
    ['ios', 'android', 'web'].map(p => h('option', { value: p }, p)))
  const projectId = input('opt-projectId', { required: true, 'data-path': '/profileOptions/projectId', placeholder: 'e.g. 64f0c2a1b2' })
  const applicationId = input('opt-applicationId', { required: true, 'data-path': '/profileOptions/applicationId', placeholder: 'e.g. 8lwox2ge93' })
  const alg = h('select', { id: 'opt-alg', 'data-path': '/alg' }, ['HS256', 'RS256', 'ES256', 'EdDSA'].map(a => h('option', { value: a }, a)))
  const claimsSchema = h('textarea', { id: 'opt-claimsSchema', rows: 9, spellcheck: 'false', 'data-path': '/claimsSchema' })
  claimsSchema.value = EXAMPLE_SCHEMA
  const staticClaims = h('textarea', { id: 'opt-staticClaims', rows: 3, spellcheck: 'false', 'data-path': '/staticClaims', placeholder: '{"iss": "https://example.com"}' })

  const noOptions = (name) => h('p', { class: 'muted' }, `The ${name} profile needs no options.`)
  const optionSets = {
    smooch: [noOptions('smooch')],
    khoros: [field('Default platform', platform, 'Used when a token request names no platform.')],
    tiledesk: [field('Project id', projectId, 'The token audience is https://tiledesk.com/projects/<project id>.')],
    sceyt: [field('Application id', applicationId, 'Sent as the aid claim.')],
    'chat-widget': [noOptions('chat-widget')],
    custom: [
      field('Algorithm', alg),
      field('Claims JSON Schema (draft 2020-12)', claimsSchema, 'Request claims are validated against it.'),
      field('Static claims (JSON, optional)', staticClaims, 'Added to every token.')
    ]
  }
  const fieldsets = Object.fromEntries(Object.entries(optionSets).map(([name, children]) =>
    [name, h('fieldset', { class: 'options', dataset: { profile: name } }, h('legend', {}, `${name} options`), children)]))

  const showOptions = () => {
    for (const [name, set] of Object.entries(fieldsets)) {
      const on = name === profile.value
      set.hidden = !on
      // A disabled fieldset's controls are neither validated nor submitted.
      set.disabled = !on
    }
  }
  profile.addEventListener('change', showOptions)

  const id = input('new-id', { required: true, 'data-path': '/id', placeholder: 'acme-support', maxlength: 63 })
  const name = input('new-name', { required: true, 'data-path': '/name', placeholder: 'Acme support chat', maxlength: 200 })
  const generateKey = h('input', { id: 'new-generateKey', type: 'checkbox', checked: true, 'data-path': '/generateKey' })
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create tenant')

  const form = h('form', { class: 'card', id: 'tenant-form', 'aria-labelledby': 'tenant-form-title' },
    h('h2', { id: 'tenant-form-title' }, 'New tenant'),
    h('div', { class: 'grid-2' },
      field('Tenant id', id, 'Lowercase letters, digits and dashes; 2 to 63 characters.'),
      field('Name', name)),
    field('Profile', profile),
    Object.values(fieldsets),
    h('div', { class: 'field field-check' }, generateKey, h('label', { for: generateKey.id }, 'Generate the first key now'),
      h('small', { class: 'hint' }, 'An HS256 secret is shown once, right after creation. Untick to import a key later.')),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: onCancel }, 'Cancel')))

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearMessages()
    const body = { id: id.value.trim(), name: name.value.trim(), profile: profile.value }
    try {
      if (profile.value === 'khoros' && platform.value !== '') body.profileOptions = { platform: platform.value }
      if (profile.value === 'tiledesk') body.profileOptions = { projectId: projectId.value.trim() }
      if (profile.value === 'sceyt') body.profileOptions = { applicationId: applicationId.value.trim() }
      if (profile.value === 'custom') {
        body.alg = alg.value
        body.claimsSchema = jsonField(claimsSchema, '/claimsSchema', true)
        const statics = jsonField(staticClaims, '/staticClaims', false)
        if (statics !== undefined) body.staticClaims = statics
      }
    } catch (err) {
      showError(err, form)
      return
    }
    if (!generateKey.checked) body.generateKey = false
    submit.disabled = true
    try {
      const tenant = await api.createTenant(body)
      showWarnings(tenant.warnings)
      onCreated(tenant)
    } catch (err) {
      showError(err, form)
    } finally {
      submit.disabled = false
    }
  })

  showOptions()
  queueMicrotask(() => id.focus())
  return form
}
