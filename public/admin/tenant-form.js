// The create-tenant form: a profile picker that asks for exactly the settings each profile describes.
import { api } from './api.js'
import { field, h } from './dom.js'
import { clearMessages, showError, showWarnings } from './messages.js'

const input = (id, attrs = {}) => h('input', { id, name: id, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs })

/** A local field error shaped like the API's: `message` says what is wrong with the field at `path`. */
const fieldError = (message, path) => Object.assign(new Error(`${path} ${message}`), { fieldPath: path, fieldMessage: message })

/** Parses a JSON textarea; a blank one is undefined. Throws a field error shaped like the API's. */
function jsonField (textarea, path, required) {
  const text = textarea.value.trim()
  if (text === '') {
    if (required) throw fieldError('is required', path)
    return undefined
  }
  let value
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw fieldError(`is not valid JSON: ${err.message}`, path)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fieldError('must be a JSON object', path)
  return value
}

/** JSON when the text parses as JSON, else the text itself: a string or a list for an option such as audience. */
function jsonOrText (text) {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** One profileOptions member: its labelled control, and how to read its value (undefined when left out). */
function optionControl (profile, option) {
  const id = `opt-${profile.name}-${option.name}`
  const path = `/profileOptions/${option.name}`
  const example = option.example === undefined ? undefined : `e.g. ${typeof option.example === 'string' ? option.example : JSON.stringify(option.example)}`
  if (option.input === 'checkbox') {
    const box = h('input', { id, type: 'checkbox', 'data-path': path, 'aria-describedby': option.hint === undefined ? undefined : `${id}-hint` })
    return {
      element: h('div', { class: 'field field-check' }, box, h('label', { for: id }, option.label),
        option.hint === undefined ? null : h('small', { class: 'hint', id: `${id}-hint` }, option.hint)),
      read: () => box.checked ? true : undefined
    }
  }
  if (option.input === 'select') {
    const unset = option.default === undefined ? 'not set' : `profile default (${option.default})`
    const select = h('select', { id, 'data-path': path },
      option.required ? null : h('option', { value: '' }, unset),
      option.choices.map(choice => h('option', { value: choice }, choice)))
    return { element: field(option.label, select, option.hint), read: () => select.value === '' ? undefined : select.value }
  }
  const text = input(id, { required: option.required, 'data-path': path, placeholder: example })
  const read = () => {
    const value = text.value.trim()
    if (value === '') return undefined
    return option.input === 'json' ? jsonOrText(value) : value
  }
  return { element: field(option.label, text, option.hint), read }
}

/** The fieldset of one profile, and how to add its settings to a tenant body. */
function profileSettings (profile) {
  const parts = []
  const readers = []
  if (profile.algs.length > 1) {
    const alg = h('select', { id: `opt-${profile.name}-alg`, 'data-path': '/alg' }, profile.algs.map(a => h('option', { value: a }, a)))
    parts.push(field('Algorithm', alg, `${profile.algs[0]} unless you pick another.`))
    readers.push(body => { body.alg = alg.value })
  }
  const options = profile.options.map(option => ({ option, ...optionControl(profile, option) }))
  parts.push(options.map(({ element }) => element))
  if (options.length > 0) {
    readers.push(body => {
      const values = {}
      for (const { option, read } of options) {
        const value = read()
        if (value !== undefined) values[option.name] = value
      }
      if (Object.keys(values).length > 0) body.profileOptions = values
    })
  }
  if (profile.tenantClaims) {
    const claimsSchema = h('textarea', { id: `opt-${profile.name}-claimsSchema`, rows: 9, spellcheck: 'false', 'data-path': '/claimsSchema' })
    const example = profile.example.settings?.claimsSchema
    if (example !== undefined) claimsSchema.value = JSON.stringify(example, null, 2)
    const staticClaims = h('textarea', {
      id: `opt-${profile.name}-staticClaims`, rows: 3, spellcheck: 'false', 'data-path': '/staticClaims', placeholder: '{"tier": "gold"}'
    })
    parts.push(
      field('Claims JSON Schema (draft 2020-12)', claimsSchema, 'Request claims are validated against it.'),
      field('Static claims (JSON, optional)', staticClaims, 'Added to every token.'))
    readers.push(body => {
      body.claimsSchema = jsonField(claimsSchema, '/claimsSchema', true)
      const statics = jsonField(staticClaims, '/staticClaims', false)
      if (statics !== undefined) body.staticClaims = statics
    })
  }
  if (readers.length === 0) parts.push(h('p', { class: 'muted' }, `The ${profile.name} profile needs no options.`))
  parts.push(h('p', { class: 'muted small' }, 'Token requests then send, for example: ', h('code', {}, JSON.stringify(profile.example.request))))

  const fieldset = h('fieldset', { class: 'options', dataset: { profile: profile.name } },
    h('legend', {}, `${profile.name} options`), h('p', { class: 'muted small' }, profile.description), parts)
  return { fieldset, addTo: body => { for (const read of readers) read(body) } }
}

/** The form for `profiles` (see loadProfiles); `onCreated(tenant)` gets the 201 body (with initialSecret when one was generated). */
export function renderTenantForm ({ profiles, onCreated, onCancel }) {
  const profile = h('select', { id: 'new-profile', name: 'profile', 'data-path': '/profile' },
    profiles.map(p => h('option', { value: p.name }, `${p.name} — ${p.title} (${p.algs.join(', ')})`)))
  const settings = new Map(profiles.map(p => [p.name, profileSettings(p)]))

  const showOptions = () => {
    for (const [name, { fieldset }] of settings) {
      const on = name === profile.value
      fieldset.hidden = !on
      // A disabled fieldset's controls are neither validated nor submitted.
      fieldset.disabled = !on
    }
  }
  profile.addEventListener('change', showOptions)
  // Import-first profiles (their platform shows the secret) start with the box unticked.
  const defaultKeyChoice = () => {
    generateKey.checked = !profiles.find(p => p.name === profile.value)?.importFirst
  }
  profile.addEventListener('change', defaultKeyChoice)

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
    [...settings.values()].map(({ fieldset }) => fieldset),
    h('div', { class: 'field field-check' }, generateKey, h('label', { for: generateKey.id }, 'Generate the first key now'),
      h('small', { class: 'hint' }, 'An HS256 secret is shown once, right after creation. Unticked: import the platform\'s key on the tenant\'s page.')),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: onCancel }, 'Cancel')))

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearMessages()
    const body = { id: id.value.trim(), name: name.value.trim(), profile: profile.value }
    try {
      settings.get(profile.value).addTo(body)
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
  defaultKeyChoice()
  queueMicrotask(() => id.focus())
  return form
}
