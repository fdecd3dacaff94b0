// One tenant's page: its settings, key timeline and list, key import, rotation (one-off and periodic), revocation, verifiers, API keys, deletion.
import { api } from './api.js'
import { confirmAction } from './dialog.js'
import { copyText, field, formatTime, h, replace, time } from './dom.js'
import { clearMessages, showError, showNotice, showWarnings } from './messages.js'
import { renderTimeline } from './timeline.js'
import { verifierTable } from './verifiers.js'

/** 2592000 → "30 d", 5400 → "1 h 30 min", 45 → "45 s". */
export function duration (seconds) {
  const parts = []
  let rest = seconds
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60]]) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`)
      rest %= size
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest} s`)
  return parts.join(' ')
}

let onceCounter = 0

/** A secret shown once: a read-only field, a copy button, and a button that discards it. */
export function oncePanel (title, value, note) {
  onceCounter += 1
  const id = `once-${onceCounter}`
  const output = h('input', { id, type: 'text', class: 'secret', readonly: true, spellcheck: 'false', autocomplete: 'off', value })
  const status = h('span', { class: 'copy-status', role: 'status' })
  const copy = h('button', {
    type: 'button',
    class: 'copy',
    onclick: async () => {
      if (await copyText(value)) {
        status.textContent = 'Copied to the clipboard.'
      } else {
        output.select()
        status.textContent = 'The browser refused: the value is selected, copy it with Ctrl+C.'
      }
    }
  }, 'Copy')
  const panel = h('section', { class: 'once', 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, title),
    h('p', {}, note, ' ', h('strong', {}, 'It is shown only this once.')),
    h('div', { class: 'once-row' }, h('label', { for: id, class: 'visually-hidden' }, title), output, copy),
    status,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'once-done', onclick: () => panel.remove() }, 'I have stored it: hide')))
  return panel
}

const numberOrUndefined = (inputEl) => inputEl.value.trim() === '' ? undefined : Number(inputEl.value)
const numberInput = (id, attrs) => h('input', { id, type: 'number', inputmode: 'numeric', min: 0, step: 1, ...attrs })

function summary (tenant) {
  const policy = tenant.tokenPolicy
  const options = Object.keys(tenant.profileOptions ?? {}).length > 0 ? JSON.stringify(tenant.profileOptions) : 'none'
  const rows = [
    ['Profile', tenant.profile],
    ['Algorithm', tenant.alg],
    ['Active key', tenant.activeKid === null ? h('span', { class: 'badge state-revoked' }, 'none: issuing answers 409') : h('code', {}, tenant.activeKid)],
    ['Profile options', h('code', {}, options)],
    ['Token lifetime', `default ${duration(policy.defaultTtl)}, from ${duration(policy.minTtl)} to ${duration(policy.maxTtl)}, clock skew ${duration(policy.clockSkew)}`],
    ['Rate limit', `${tenant.rateLimit.max} per ${typeof tenant.rateLimit.timeWindow === 'number' ? `${tenant.rateLimit.timeWindow} ms` : tenant.rateLimit.timeWindow}`],
    ['Created', time(tenant.createdAt)],
    ['Updated', time(tenant.updatedAt)]
  ]
  if (tenant.claimsSchema !== undefined) rows.push(['Claims schema', h('code', {}, JSON.stringify(tenant.claimsSchema))])
  if (tenant.staticClaims !== undefined) rows.push(['Static claims', h('code', {}, JSON.stringify(tenant.staticClaims))])
  if (tenant.alg !== 'HS256') {
    const jwks = `/v1/tenants/${encodeURIComponent(tenant.id)}/jwks.json`
    rows.push(['JWKS', h('a', { href: jwks, rel: 'noreferrer', target: '_blank' }, jwks)])
  }
  return h('dl', { class: 'summary' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))
}

function keyTable (keys, onRevoke) {
  if (keys.length === 0) return h('p', { class: 'muted' }, 'This tenant has no key versions.')
  // One column for the end of a key's life (retiring or revoked) keeps the table inside 1,280 px.
  const head = ['Key id', 'State', 'Alg', 'Published', 'Created', 'Publish at', 'Activate at', 'Retires / revoked at', '']
  return h('div', { class: 'table-wrap' }, h('table', { class: 'keys', 'aria-label': 'Key versions' },
    h('thead', {}, h('tr', {}, head.map(text => h('th', { scope: 'col' }, text === '' ? h('span', { class: 'visually-hidden' }, 'Actions') : text)))),
    h('tbody', {}, keys.map(key => h('tr', { dataset: { kid: key.kid, state: key.state } },
      h('td', {}, h('code', { class: 'kid', title: key.kid }, key.kid)),
      h('td', {}, h('span', { class: ['badge', `state-${key.state}`] }, key.state)),
      h('td', {}, key.alg, h('br'), h('small', { class: 'muted' }, key.source)),
      h('td', {}, key.alg === 'HS256' ? h('span', { class: 'muted', title: 'HS256 secrets are never published' }, 'never') : key.published ? 'yes' : 'no'),
      h('td', {}, time(key.createdAt)),
      h('td', {}, time(key.publishAt)),
      h('td', {}, time(key.activateAt)),
      h('td', {}, time(key.retiresAt ?? key.revokedAt), key.revokedAt === undefined ? null : h('small', { class: 'muted' }, ' revoked')),
      h('td', { class: 'key-actions' },
        key.publicKeyPem === undefined ? null : copyButton(`Copy the public key of ${key.kid} (PEM)`, 'Copy PEM', key.publicKeyPem),
        key.state === 'revoked'
          ? null
          : h('button', { type: 'button', class: 'danger small write', 'aria-label': `Revoke key ${key.kid}`, onclick: () => onRevoke(key) }, 'Revoke')))))))
}

/** A small button that copies `value` and says so in its own status line. */
function copyButton (label, text, value) {
  const status = h('span', { class: 'copy-status', role: 'status' })
  const button = h('button', {
    type: 'button',
    class: 'small copy',
    'aria-label': label,
    onclick: async () => { status.textContent = await copyText(value) ? 'Copied.' : 'The browser refused to copy.' }
  }, text)
  return h('span', { class: 'copy-wrap' }, button, status)
}

function apiKeyTable (items, onDelete) {
  if (items.length === 0) return h('p', { class: 'muted' }, 'No API keys: the tenant backend cannot issue tokens yet.')
  return h('div', { class: 'table-wrap' }, h('table', { class: 'api-keys', 'aria-label': 'API keys' },
    h('thead', {}, h('tr', {}, ['Name', 'Id', 'Created', ''].map(text => h('th', { scope: 'col' }, text === '' ? h('span', { class: 'visually-hidden' }, 'Actions') : text)))),
    h('tbody', {}, items.map(item => h('tr', { dataset: { id: item.id } },
      h('td', {}, item.name),
      h('td', {}, h('code', {}, item.id)),
      h('td', {}, time(item.createdAt)),
      h('td', {}, h('button', { type: 'button', class: 'danger small write', 'aria-label': `Delete API key ${item.name}`, onclick: () => onDelete(item) }, 'Delete')))))))
}

/**
 * Renders tenant `id` into `pane`. `created` is the 201 body of a tenant just created (its initialSecret
 * is shown once). `onAudit(id)` opens the audit log filtered by this tenant; `onDeleted(id)` follows its deletion.
 */
export async function showTenant (pane, id, { created, onAudit, onDeleted } = {}) {
  replace(pane, h('p', { class: 'muted', role: 'status' }, `Loading ${id}…`))
  let tenant, keys, apiKeys
  try {
    [tenant, keys, apiKeys] = await Promise.all([api.getTenant(id), api.listKeys(id), api.listApiKeys(id)])
  } catch (err) {
    showError(err)
    replace(pane, h('p', { class: 'muted' }, `Could not load tenant ${id}.`))
    return
  }

  const onceSlot = h('div', { class: 'once-slot' })
  if (created?.initialSecret !== undefined) {
    onceSlot.append(oncePanel('Initial HS256 secret', created.initialSecret,
      `Paste it into the ${tenant.profile} dashboard (key id ${tenant.activeKid ?? ''}) so the platform can verify the tokens.`))
  }

  const summarySlot = h('div', {}, summary(tenant))
  const timelineSlot = h('div', { class: 'timeline-slot' })
  const keyListSlot = h('div', { class: 'key-list-slot' })
  const rotationStatus = h('p', { class: 'rotation-status', role: 'status' })
  const apiKeyListSlot = h('div', {})
  const verifierSlot = h('div', { class: 'verifier-list-slot' })
  const reloadVerifiers = async () => {
    const page = await api.listVerifiers(id)
    replace(verifierSlot, verifierTable(page.items, page.nextCursor !== null))
  }
  const apiKeyOnceSlot = h('div', { class: 'once-slot' })

  const renderRotation = () => {
    rotationStatus.textContent = tenant.rotation === undefined
      ? 'Periodic rotation is off.'
      : `A new key every ${duration(tenant.rotation.every)}, published ${duration(tenant.rotation.prepublish)} before it signs (since ${formatTime(tenant.rotation.since)}).`
    clearRotation.disabled = tenant.rotation === undefined
  }

  const reloadKeys = async () => {
    const [fresh, freshKeys] = await Promise.all([api.getTenant(id), api.listKeys(id)])
    tenant = fresh
    replace(summarySlot, summary(tenant))
    replace(timelineSlot, renderTimeline(freshKeys.items))
    replace(keyListSlot, keyTable(freshKeys.items, revoke))
    renderRotation()
    await reloadVerifiers()
  }

  const revoke = async (key) => {
    clearMessages()
    const ok = await confirmAction({
      title: `Revoke key ${key.kid}?`,
      text: 'It leaves the JWKS at once, on every instance, and never signs again; tokens it signed stop verifying. This cannot be undone.' +
        (key.state === 'active' ? ' It is the active key: the newest published pending key (any pending key for HS256) takes over at once, else the newest other valid key; with none, issuing answers 409 until one exists.' : ''),
      confirmLabel: 'Revoke key'
    })
    if (!ok) return
    try {
      const result = await api.revoke(id, key.kid)
      showNotice(`Key ${key.kid} revoked. Active key now: ${result.activeKid ?? 'none'}.`)
      await reloadKeys()
    } catch (err) {
      showError(err)
    }
  }

  // Key import: the platform's HS256 secret with its key id, or a PEM private key; optionally from a later time.
  const importKid = h('input', { id: 'import-kid', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 128, 'data-path': '/kid', placeholder: 'app_5c1b…' })
  const importSecret = h('input', { id: 'import-secret', type: 'password', autocomplete: 'off', spellcheck: 'false', maxlength: 512, 'data-path': '/secret' })
  const importPem = h('textarea', { id: 'import-pem', rows: 4, spellcheck: 'false', 'data-path': '/privateKeyPem', placeholder: '-----BEGIN PRIVATE KEY-----' })
  const importAt = h('input', { id: 'import-activate-at', type: 'datetime-local', step: 1, 'data-path': '/activateAt' })
  const hs256 = tenant.alg === 'HS256'
  const importForm = h('form', { class: 'card sub write', id: 'import-form', 'aria-labelledby': 'import-title' },
    h('h4', { id: 'import-title' }, 'Import key'),
    hs256
      ? [field('Key id', importKid, 'The key id the platform shows beside the secret.'), field('Secret', importSecret, 'As the platform\'s dashboard shows it.')]
      : [field('Private key (PEM)', importPem, 'PKCS#8, PKCS#1 or SEC1; the algorithm follows from the key.'), field('Key id (optional)', importKid, 'Empty: the key\'s thumbprint.')],
    field('Activate at (local time, optional)', importAt, 'Empty: it signs from now on.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Import key')))
  importForm.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearMessages()
    const body = hs256 ? { kid: importKid.value.trim(), alg: 'HS256', secret: importSecret.value } : { privateKeyPem: importPem.value }
    if (!hs256 && importKid.value.trim() !== '') body.kid = importKid.value.trim()
    if (importAt.value !== '') body.activateAt = new Date(importAt.value).toISOString()
    try {
      const result = await api.addKey(id, body)
      showNotice(`Key ${result.key.kid} imported: ${result.key.state}, activates at ${formatTime(result.key.activateAt)}.`)
      showWarnings(result.warnings)
      importForm.reset()
      await reloadKeys()
    } catch (err) {
      showError(err, importForm)
    }
  })

  const deleteTenant = async () => {
    clearMessages()
    const ok = await confirmAction({
      title: `Delete tenant ${id}?`,
      text: 'Its keys and API keys are deleted on every instance: its tokens stop verifying and its backend can no longer issue. This cannot be undone.',
      confirmLabel: 'Delete tenant',
      typed: id
    })
    if (!ok) return
    try {
      await api.deleteTenant(id)
      onDeleted?.(id)
      showNotice(`Tenant ${id} deleted.`)
    } catch (err) {
      showError(err)
    }
  }

  // One-off rotation.
  const at = h('input', { id: 'rotate-at', type: 'datetime-local', step: 1, 'data-path': '/at' })
  const prepublish = numberInput('rotate-prepublish', { 'data-path': '/prepublish', placeholder: 'JWKS max-age' })
  const waitForVerifiers = h('input', { id: 'rotate-wait', type: 'checkbox', 'data-path': '/waitForVerifiers' })
  const maxDelay = numberInput('rotate-max-delay', { 'data-path': '/maxDelay', placeholder: '86400' })
  const rotateForm = h('form', { class: 'card sub write', id: 'rotate-form', 'aria-labelledby': 'rotate-title' },
    h('h4', { id: 'rotate-title' }, 'Schedule a rotation'),
    field('Activate at (local time)', at, 'Empty: now (asymmetric keys: after the prepublish time).'),
    field('Prepublish (seconds)', prepublish, 'How long the new key is in the JWKS before it signs.'),
    hs256 ? null : field('Wait for verifiers', waitForVerifiers, 'Hold the activation while a verifier seen lately has not fetched the new key.'),
    hs256 ? null : field('Wait at most (seconds)', maxDelay, 'With waiting: the latest activation is this long after its time; empty: 1 day.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Schedule rotation')))
  rotateForm.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearMessages()
    const body = {}
    if (at.value !== '') body.at = new Date(at.value).toISOString()
    const lead = numberOrUndefined(prepublish)
    if (lead !== undefined) body.prepublish = lead
    if (waitForVerifiers.checked) {
      body.waitForVerifiers = true
      const most = numberOrUndefined(maxDelay)
      if (most !== undefined) body.maxDelay = most
    }
    try {
      const result = await api.rotate(id, body)
      showNotice(`Key ${result.key.kid} scheduled: ${result.key.state}, activates at ${formatTime(result.key.activateAt)}.`)
      showWarnings(result.warnings)
      if (result.secret !== undefined) {
        onceSlot.append(oncePanel(`HS256 secret of key ${result.key.kid}`, result.secret, 'Give it to the platform before the key activates.'))
      }
      rotateForm.reset()
      await reloadKeys()
    } catch (err) {
      showError(err, rotateForm)
    }
  })

  // Periodic rotation.
  const every = numberInput('rotation-every', { min: 1, required: true, 'data-path': '/every', placeholder: '2592000' })
  const periodicPrepublish = numberInput('rotation-prepublish', { 'data-path': '/prepublish', placeholder: 'JWKS max-age' })
  const clearRotation = h('button', { type: 'button', id: 'rotation-clear' }, 'Stop periodic rotation')
  const periodicForm = h('form', { class: 'card sub write', id: 'rotation-form', 'aria-labelledby': 'rotation-title' },
    h('h4', { id: 'rotation-title' }, 'Periodic rotation'),
    rotationStatus,
    field('Every (seconds)', every, '86400 = 1 day, 2592000 = 30 days.'),
    field('Prepublish (seconds)', periodicPrepublish, 'Shorter than the period.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Set periodic rotation'), clearRotation))
  periodicForm.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearMessages()
    const body = { every: Number(every.value) }
    const lead = numberOrUndefined(periodicPrepublish)
    if (lead !== undefined) body.prepublish = lead
    try {
      const updated = await api.setRotation(id, body)
      showNotice(`Periodic rotation set: every ${duration(updated.rotation.every)}.`)
      showWarnings(updated.warnings)
      periodicForm.reset()
      await reloadKeys()
    } catch (err) {
      showError(err, periodicForm)
    }
  })
  clearRotation.addEventListener('click', async () => {
    clearMessages()
    try {
      await api.clearRotation(id)
      showNotice('Periodic rotation stopped.')
      await reloadKeys()
    } catch (err) {
      showError(err)
    }
  })

  // API keys.
  const reloadApiKeys = async () => {
    const fresh = await api.listApiKeys(id)
    replace(apiKeyListSlot, apiKeyTable(fresh.items, deleteApiKey))
  }
  const deleteApiKey = async (item) => {
    clearMessages()
    const ok = await confirmAction({
      title: `Delete API key “${item.name}”?`,
      text: 'Requests with this key are refused from now on, on every instance. This cannot be undone.',
      confirmLabel: 'Delete API key'
    })
    if (!ok) return
    try {
      await api.deleteApiKey(id, item.id)
      showNotice(`API key ${item.name} deleted.`)
      await reloadApiKeys()
    } catch (err) {
      showError(err)
    }
  }
  const apiKeyName = h('input', { id: 'apikey-name', type: 'text', required: true, maxlength: 200, autocomplete: 'off', 'data-path': '/name', placeholder: 'production backend' })
  const apiKeyForm = h('form', { class: 'inline-form write', id: 'apikey-form', 'aria-label': 'Create an API key' },
    field('New API key name', apiKeyName),
    h('button', { type: 'submit', class: 'primary' }, 'Create API key'))
  apiKeyForm.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearMessages()
    try {
      const createdKey = await api.createApiKey(id, apiKeyName.value.trim())
      replace(apiKeyOnceSlot, oncePanel(`API key “${createdKey.name}”`, createdKey.apiKey, 'Give it to the tenant backend (Authorization: Bearer …).'))
      apiKeyForm.reset()
      await reloadApiKeys()
    } catch (err) {
      showError(err, apiKeyForm)
    }
  })

  replace(pane,
    h('header', { class: 'tenant-head' },
      h('div', {}, h('h2', { id: 'tenant-title', tabindex: -1 }, tenant.name), h('p', { class: 'muted' }, h('code', {}, tenant.id), ` · ${tenant.profile} · ${tenant.alg}`)),
      h('div', { class: 'actions' },
        h('button', {
          type: 'button',
          onclick: async () => {
            clearMessages()
            try {
              await reloadKeys()
              await reloadApiKeys()
            } catch (err) { showError(err) }
          }
        }, 'Refresh'),
        h('button', { type: 'button', onclick: () => onAudit?.(id) }, 'Audit log'),
        h('button', { type: 'button', class: 'danger platform-write', onclick: deleteTenant }, 'Delete tenant'))),
    onceSlot,
    h('section', { class: 'card', 'aria-labelledby': 'settings-title' }, h('h3', { id: 'settings-title' }, 'Settings'), summarySlot),
    h('section', { class: 'card', id: 'keys', 'aria-labelledby': 'keys-title' },
      h('h3', { id: 'keys-title' }, 'Keys'),
      timelineSlot,
      h('h4', {}, 'All versions'),
      keyListSlot,
      importForm,
      h('div', { class: 'grid-2' }, rotateForm, periodicForm)),
    h('section', { class: 'card', id: 'verifiers', 'aria-labelledby': 'verifiers-title' },
      h('h3', { id: 'verifiers-title' }, 'Verifiers'),
      h('p', { class: 'muted' }, 'Whatever fetched this tenant\'s JWKS or discovery document, told apart by address and User-Agent.'),
      verifierSlot),
    h('section', { class: 'card', id: 'api-keys', 'aria-labelledby': 'api-keys-title' },
      h('h3', { id: 'api-keys-title' }, 'API keys'),
      apiKeyOnceSlot,
      apiKeyListSlot,
      apiKeyForm))

  replace(timelineSlot, renderTimeline(keys.items))
  replace(keyListSlot, keyTable(keys.items, revoke))
  replace(apiKeyListSlot, apiKeyTable(apiKeys.items, deleteApiKey))
  renderRotation()
  await reloadVerifiers().catch(showError)
  document.getElementById('tenant-title')?.focus()
}
