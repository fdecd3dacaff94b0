// The Verifiers panel: who fetched the tenant's JWKS or discovery document, when, how often, and which kids it holds.
import { h, time } from './dom.js'

/** The table of GET .../verifiers items (most recently seen first); `more` says a next page exists. */
export function verifierTable (items, more) {
  if (items.length === 0) {
    return h('p', { class: 'muted' }, 'No verifier has fetched the JWKS or the discovery document yet.')
  }
  const head = ['User agent', 'Address', 'Last seen', 'First seen', 'Fetches', 'Kids it holds']
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'verifiers', 'aria-label': 'Verifiers' },
      h('thead', {}, h('tr', {}, head.map(text => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, items.map(verifier => h('tr', { dataset: { verifier: verifier.id } },
        h('td', { class: 'user-agent', title: verifier.userAgent }, verifier.userAgent === '' ? h('span', { class: 'muted' }, 'none sent') : verifier.userAgent),
        h('td', {}, h('code', {}, verifier.ip)),
        h('td', {}, time(verifier.lastSeen)),
        h('td', {}, time(verifier.firstSeen)),
        h('td', { class: 'number' }, String(verifier.fetches)),
        h('td', { class: 'kids' }, verifier.kids.length === 0
          ? h('span', { class: 'muted' }, 'none (discovery only)')
          : verifier.kids.map(kid => h('code', { class: 'kid', title: kid }, kid))))))),
    more ? h('p', { class: 'muted' }, 'Only the most recently seen are shown.') : null)
}
