// The key timeline: one colour-coded bar per key version along a time axis, built as SVG from the keys' times.
import { formatTime, h, s } from './dom.js'

export const STATES = ['pending', 'active', 'retiring', 'retired', 'revoked']

const ms = (iso) => iso === undefined || iso === null ? undefined : Date.parse(iso)
const MIN_SPAN = 10 * 60 * 1000

/**
 * The phases of each key, from its times: pending [createdAt, activateAt), active until a newer key
 * takes over or it is revoked, retiring until retiresAt, then retired; revoked from revokedAt.
 * Open-ended phases run to Infinity. The server's `state` is the truth for now; this is the picture.
 */
export function keySegments (keys, now) {
  const times = keys.map((key, index) => ({
    key,
    index,
    created: ms(key.createdAt),
    publish: ms(key.publishAt),
    activate: ms(key.activateAt),
    revoked: ms(key.revokedAt),
    retires: ms(key.retiresAt)
  }))
  return times.map(t => {
    const revoked = t.revoked ?? Infinity
    // Newer versions that took (or will take) over: activated after this one, not revoked before activating.
    const newer = times.filter(o => o !== t &&
      (o.activate > t.activate || (o.activate === t.activate && o.index > t.index)) &&
      !(o.revoked !== undefined && o.revoked <= o.activate))
    const candidates = t.key.state === 'active' ? newer.filter(o => o.activate > now) : newer
    let superseded = candidates.length > 0 ? Math.min(...candidates.map(o => o.activate)) : Infinity
    if ((t.key.state === 'retiring' || t.key.state === 'retired') && superseded === Infinity) superseded = t.activate
    const retires = t.retires ?? Infinity
    const phases = [
      ['pending', t.created, Math.min(t.activate, revoked)],
      ['active', t.activate, Math.min(superseded, revoked)],
      ['retiring', superseded, Math.min(retires, revoked)],
      ['retired', retires, revoked],
      ['revoked', revoked, Infinity]
    ]
    return {
      key: t.key,
      publishAt: t.publish,
      segments: phases
        .filter(([, from, to]) => Number.isFinite(from) && from < to)
        .map(([state, from, to]) => ({ state, from, to }))
    }
  })
}

/** The axis range: every known time and now, at least ten minutes, with room on the right for open phases. */
function axisRange (rows, now) {
  const points = [now]
  for (const row of rows) {
    for (const seg of row.segments) {
      points.push(seg.from)
      if (Number.isFinite(seg.to)) points.push(seg.to)
    }
    if (Number.isFinite(row.publishAt)) points.push(row.publishAt)
  }
  let lo = Math.min(...points)
  let hi = Math.max(...points)
  if (hi - lo < MIN_SPAN) hi = lo + MIN_SPAN
  const pad = (hi - lo) * 0.04
  lo -= pad
  hi += pad * 3
  return { lo, hi }
}

const describe = (seg) => `${seg.state} from ${formatTime(new Date(seg.from).toISOString())}` +
  (Number.isFinite(seg.to) ? ` to ${formatTime(new Date(seg.to).toISOString())}` : ' on')

function legend () {
  return h('ul', { class: 'legend', 'aria-label': 'Legend' },
    STATES.map(state => h('li', {}, h('span', { class: ['swatch', `state-${state}`], 'aria-hidden': 'true' }), state)),
    h('li', {}, h('span', { class: 'swatch-marker', 'aria-hidden': 'true' }), 'published in the JWKS'),
    h('li', {}, h('span', { class: 'swatch-now', 'aria-hidden': 'true' }), 'now'))
}

/** A pending asymmetric key: "n of m verifiers have it" and, when its activation is gated, its deadline. */
function propagation (key) {
  if (key.state !== 'pending' || key.verifiers === undefined) return null
  const { seen, withKey } = key.verifiers
  return h('small', { class: 'tl-propagation' },
    seen === 0 ? 'no verifier seen yet' : `${withKey} of ${seen} verifiers have it`,
    key.activateBy === undefined ? null : ` · waits for them until ${formatTime(key.activateBy)}`)
}

/** The timeline figure (legend, one row per key, time axis) for the keys of GET .../keys. */
export function renderTimeline (keys, now = Date.now()) {
  if (keys.length === 0) return h('p', { class: 'muted' }, 'No key versions yet: import the platform\'s key below, or schedule a rotation to generate one.')
  const rows = keySegments(keys, now)
  const { lo, hi } = axisRange(rows, now)
  const frac = (t) => (Math.min(Math.max(t, lo), hi) - lo) / (hi - lo) * 100
  const pct = (v) => `${v.toFixed(3)}%`
  const nowX = pct(frac(now))

  const rowEls = rows.map(row => {
    const label = `${row.key.kid}: ${row.segments.map(describe).join('; ')}`
    const track = s('svg', { class: 'tl-track', height: 24, role: 'img', 'aria-label': label },
      s('line', { class: 'tl-baseline', x1: '0%', x2: '100%', y1: 12, y2: 12 }),
      row.segments.map(seg => {
        const x = frac(seg.from)
        const width = Math.max(frac(Number.isFinite(seg.to) ? seg.to : hi) - x, 0.4)
        return s('rect', { class: ['seg', `state-${seg.state}`], x: pct(x), y: 5, width: pct(width), height: 14, rx: 3 },
          s('title', {}, describe(seg)))
      }),
      row.key.alg !== 'HS256' && Number.isFinite(row.publishAt)
        ? s('circle', { class: 'tl-publish', cx: pct(frac(row.publishAt)), cy: 12, r: 3.5 },
          s('title', {}, `published at ${formatTime(new Date(row.publishAt).toISOString())}`))
        : null,
      s('line', { class: 'tl-now', x1: nowX, x2: nowX, y1: 0, y2: 24 }))
    return h('div', { class: 'tl-row', dataset: { kid: row.key.kid, state: row.key.state } },
      h('span', { class: 'tl-label', title: row.key.kid }, h('span', { class: ['dot', `state-${row.key.state}`], 'aria-hidden': 'true' }), row.key.kid,
        propagation(row.key)),
      track)
  })

  const ticks = [0, 0.25, 0.5, 0.75, 1].map(f => {
    const at = lo + (hi - lo) * f
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle'
    return s('g', {},
      s('line', { class: 'tl-tick', x1: pct(f * 100), x2: pct(f * 100), y1: 0, y2: 5 }),
      s('text', { x: pct(f * 100), y: 17, 'text-anchor': anchor }, formatTime(new Date(at).toISOString()).slice(5, 16)))
  })
  const axis = h('div', { class: 'tl-row tl-axis', 'aria-hidden': 'true' },
    h('span', { class: 'tl-label' }),
    s('svg', { class: 'tl-track', height: 34 }, ticks,
      s('text', { class: 'tl-now-label', x: nowX, y: 31, 'text-anchor': 'middle' }, 'now')))

  return h('figure', { class: 'timeline' },
    legend(),
    h('div', { class: 'tl-rows' }, rowEls, axis),
    h('figcaption', { class: 'muted' }, 'Times are local. Hover a bar for its exact span; the list below has every timestamp.'))
}
