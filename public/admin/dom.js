// DOM building helpers: elements from data with textContent only, never HTML strings.

const SVG_NS = 'http://www.w3.org/2000/svg'

/** Appends children: strings become text nodes, null/undefined/false are skipped, arrays are flattened. */
function append (parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return parent
}

/** Sets attributes: `class`, `text`, `on<event>` handlers, booleans as present/absent, the rest as strings. */
function setAttributes (el, attrs) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (name === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value)
    else if (name === 'text') el.textContent = String(value)
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value)
    else if (name === 'dataset') Object.assign(el.dataset, value)
    else if (value === true) el.setAttribute(name, '')
    else el.setAttribute(name, String(value))
  }
  return el
}

/** An HTML element: h('button', { type: 'button', onclick }, 'Save'). */
export function h (tag, attrs, ...children) {
  return append(setAttributes(document.createElement(tag), attrs), children)
}

/** An SVG element, same calling convention as h(). */
export function s (tag, attrs, ...children) {
  return append(setAttributes(document.createElementNS(SVG_NS, tag), attrs), children)
}

/** Replaces every child of `el`. */
export function replace (el, ...children) {
  el.replaceChildren()
  return append(el, children)
}

const pad = (n) => String(n).padStart(2, '0')

/** A local, sortable, unambiguous rendering of an ISO time: 2026-01-31 14:05:09. */
export function formatTime (iso) {
  if (iso === undefined || iso === null) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** A <time> element showing a local time, with the exact ISO value as its datetime and tooltip. */
export function time (iso) {
  if (iso === undefined || iso === null) return h('span', { class: 'muted' }, '—')
  const [day, clock] = formatTime(iso).split(' ')
  return h('time', { datetime: iso, title: iso }, h('span', {}, day), ' ', h('span', {}, clock))
}

/** A labelled form control: returns the wrapper; the control gets `id` and an optional data-path for field errors. */
export function field (label, control, hint) {
  const hintEl = hint === undefined ? null : h('small', { class: 'hint', id: `${control.id}-hint` }, hint)
  if (hintEl !== null) control.setAttribute('aria-describedby', hintEl.id)
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl)
}

/** Copies text to the clipboard; resolves false when the browser refuses. */
export async function copyText (text) {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}
