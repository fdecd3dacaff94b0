// The message area: API problems (detail and field errors), warnings and notices, plus field highlighting.
import { ApiError } from './api.js'
import { h } from './dom.js'

const area = () => document.getElementById('messages')
let unauthorized = () => {}

/** Called when the API refuses the admin token (the session is over). */
export function onUnauthorized (handler) {
  unauthorized = handler
}

export function clearMessages () {
  area().replaceChildren()
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid')
}

function dismissible (kind, role, ...children) {
  const box = h('div', { class: ['msg', `msg-${kind}`], role },
    h('div', { class: 'msg-body' }, ...children),
    h('button', { type: 'button', class: 'msg-close', 'aria-label': 'Dismiss message', onclick: () => box.remove() }, '×'))
  area().append(box)
  return box
}

/** Shows an error; ApiError problems with their status, code, detail and field errors. Marks the form's fields named by `errors[].path`. */
export function showError (err, form) {
  if (err instanceof ApiError && err.status === 401) unauthorized(err)
  const problem = err instanceof ApiError
    ? err.problem
    : { title: 'Not sent', detail: err.message, errors: err.fieldPath ? [{ path: err.fieldPath, message: err.fieldMessage ?? err.message }] : undefined }
  const heading = [err instanceof ApiError && err.status > 0 ? String(err.status) : null, problem.title].filter(Boolean).join(' ')
  const fieldErrors = Array.isArray(problem.errors) ? problem.errors : []
  const box = dismissible('error', 'alert',
    h('p', { class: 'msg-title' }, h('strong', {}, heading), problem.code ? h('code', { class: 'code' }, problem.code) : null),
    // The detail of a field error lists the same errors as the list below: shown once, as the list.
    problem.detail && fieldErrors.length === 0 ? h('p', { class: 'msg-detail' }, problem.detail) : null,
    fieldErrors.length > 0
      ? h('ul', { class: 'field-errors', 'aria-label': 'Field errors' },
        fieldErrors.map(e => h('li', {}, h('code', {}, e.path), ' ', e.message)))
      : null)
  if (form) markFields(form, fieldErrors)
  return box
}

/** aria-invalid on the controls whose data-path is, or contains, an error's path. */
function markFields (form, fieldErrors) {
  let first = null
  for (const control of form.querySelectorAll('[data-path]')) {
    const path = control.dataset.path
    const hit = fieldErrors.some(e => e.path === path || e.path.startsWith(`${path}/`))
    if (hit) {
      control.setAttribute('aria-invalid', 'true')
      first ??= control
    } else {
      control.removeAttribute('aria-invalid')
    }
  }
  first?.focus()
}

export function showWarnings (warnings) {
  if (!Array.isArray(warnings) || warnings.length === 0) return
  dismissible('warn', 'status', h('p', { class: 'msg-title' }, h('strong', {}, 'Warning')),
    h('ul', {}, warnings.map(w => h('li', {}, w))))
}

export function showNotice (text) {
  dismissible('ok', 'status', h('p', {}, text))
}
