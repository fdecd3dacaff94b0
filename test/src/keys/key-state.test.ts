// Table-driven tests of key-state derivation at exact times, around every transition and boundary.
import t from 'tap'
import { deriveKeyring, type KeyState, type KeyTiming } from '../../../src/keys/key-state.js'
import type { Alg } from '../../../src/types.js'

/** Retiring window used by every case: a superseded key stays published this long. */
const RETIRE = 300

function key (kid: string, alg: Alg, times: { createdAt?: number, publishAt?: number, activateAt: number, revokedAt?: number }): KeyTiming {
  const k: KeyTiming = {
    kid,
    alg,
    createdAt: times.createdAt ?? Math.min(times.publishAt ?? times.activateAt, times.activateAt),
    publishAt: times.publishAt ?? times.activateAt,
    activateAt: times.activateAt
  }
  if (times.revokedAt !== undefined) k.revokedAt = times.revokedAt
  return k
}

interface Expected {
  at: number
  /** State of every key, by kid. */
  states: Record<string, KeyState>
  active?: string
  /** kids in the JWKS, in keyring order. */
  published: string[]
  nextChangeAt?: number
  /** supersededAt / retiresAt of retiring and retired keys, by kid. */
  windows?: Record<string, { supersededAt: number, retiresAt: number }>
}

interface Case {
  name: string
  keys: KeyTiming[]
  expect: Expected[]
}

const cases: Case[] = [
  {
    name: 'asymmetric rotation: pending, published, active, retiring, retired',
    keys: [
      key('k1', 'ES256', { activateAt: 0 }),
      key('k2', 'ES256', { createdAt: 500, publishAt: 900, activateAt: 1000 })
    ],
    expect: [
      { at: 0, states: { k1: 'active', k2: 'pending' }, active: 'k1', published: ['k1'], nextChangeAt: 900 },
      { at: 899, states: { k1: 'active', k2: 'pending' }, active: 'k1', published: ['k1'], nextChangeAt: 900 },
      { at: 900, states: { k1: 'active', k2: 'pending' }, active: 'k1', published: ['k1', 'k2'], nextChangeAt: 1000 },
      { at: 999, states: { k1: 'active', k2: 'pending' }, active: 'k1', published: ['k1', 'k2'], nextChangeAt: 1000 },
      {
        at: 1000,
        states: { k1: 'retiring', k2: 'active' },
        active: 'k2',
        published: ['k1', 'k2'],
        nextChangeAt: 1300,
        windows: { k1: { supersededAt: 1000, retiresAt: 1300 } }
      },
      {
        at: 1001,
        states: { k1: 'retiring', k2: 'active' },
        active: 'k2',
        published: ['k1', 'k2'],
        nextChangeAt: 1300,
        windows: { k1: { supersededAt: 1000, retiresAt: 1300 } }
      },
      { at: 1299, states: { k1: 'retiring', k2: 'active' }, active: 'k2', published: ['k1', 'k2'], nextChangeAt: 1300 },
      {
        at: 1300,
        states: { k1: 'retired', k2: 'active' },
        active: 'k2',
        published: ['k2'],
        windows: { k1: { supersededAt: 1000, retiresAt: 1300 } }
      },
      { at: 1_000_000, states: { k1: 'retired', k2: 'active' }, active: 'k2', published: ['k2'] }
    ]
  },
  {
    name: 'HS256 keys go through the same states and are never published',
    keys: [
      key('h1', 'HS256', { activateAt: 0 }),
      key('h2', 'HS256', { createdAt: 500, publishAt: 900, activateAt: 1000 })
    ],
    expect: [
      { at: 800, states: { h1: 'active', h2: 'pending' }, active: 'h1', published: [], nextChangeAt: 1000 },
      { at: 900, states: { h1: 'active', h2: 'pending' }, active: 'h1', published: [], nextChangeAt: 1000 },
      { at: 1000, states: { h1: 'retiring', h2: 'active' }, active: 'h2', published: [], nextChangeAt: 1300 },
      { at: 1300, states: { h1: 'retired', h2: 'active' }, active: 'h2', published: [] }
    ]
  },
  {
    name: 'before any key activates there is no active key',
    keys: [
      key('k1', 'RS256', { createdAt: 0, publishAt: 100, activateAt: 200 }),
      key('h1', 'HS256', { createdAt: 0, publishAt: 50, activateAt: 150 })
    ],
    expect: [
      { at: 0, states: { k1: 'pending', h1: 'pending' }, published: [], nextChangeAt: 100 },
      { at: 100, states: { k1: 'pending', h1: 'pending' }, published: ['k1'], nextChangeAt: 150 },
      { at: 150, states: { k1: 'pending', h1: 'active' }, active: 'h1', published: ['k1'], nextChangeAt: 200 },
      { at: 200, states: { k1: 'active', h1: 'retiring' }, active: 'k1', published: ['k1'], nextChangeAt: 500 }
    ]
  },
  {
    name: 'revoking the active key while the previous one is still retiring makes that one active again',
    keys: [
      key('k1', 'EdDSA', { activateAt: 0 }),
      key('k2', 'EdDSA', { activateAt: 1000, revokedAt: 1100 })
    ],
    expect: [
      { at: 1099, states: { k1: 'retiring', k2: 'active' }, active: 'k2', published: ['k1', 'k2'], nextChangeAt: 1100 },
      { at: 1100, states: { k1: 'active', k2: 'revoked' }, active: 'k1', published: ['k1'] },
      { at: 1300, states: { k1: 'active', k2: 'revoked' }, active: 'k1', published: ['k1'] },
      { at: 1_000_000, states: { k1: 'active', k2: 'revoked' }, active: 'k1', published: ['k1'] }
    ]
  },
  {
    name: 'revoking the active key hands over to the newest other valid key, which later retires from its new handover',
    keys: [
      key('k1', 'RS256', { activateAt: 0 }),
      key('k2', 'RS256', { activateAt: 100 }),
      key('k3', 'RS256', { activateAt: 200, revokedAt: 250 }),
      key('k4', 'RS256', { createdAt: 300, activateAt: 400 })
    ],
    expect: [
      {
        at: 250,
        states: { k1: 'retiring', k2: 'active', k3: 'revoked', k4: 'pending' },
        active: 'k2',
        published: ['k1', 'k2'],
        nextChangeAt: 400,
        windows: { k1: { supersededAt: 100, retiresAt: 400 } }
      },
      {
        at: 400,
        states: { k1: 'retired', k2: 'retiring', k3: 'revoked', k4: 'active' },
        active: 'k4',
        published: ['k2', 'k4'],
        nextChangeAt: 700,
        windows: { k1: { supersededAt: 100, retiresAt: 400 }, k2: { supersededAt: 400, retiresAt: 700 } }
      },
      { at: 700, states: { k1: 'retired', k2: 'retired', k3: 'revoked', k4: 'active' }, active: 'k4', published: ['k4'] }
    ]
  },
  {
    name: 'revoking the active key when no other valid key exists leaves no active key',
    keys: [
      key('k1', 'ES256', { activateAt: 0 }),
      key('k2', 'ES256', { activateAt: 1000, revokedAt: 1400 })
    ],
    expect: [
      { at: 1399, states: { k1: 'retired', k2: 'active' }, active: 'k2', published: ['k2'], nextChangeAt: 1400 },
      { at: 1400, states: { k1: 'retired', k2: 'revoked' }, published: [] },
      { at: 1_000_000, states: { k1: 'retired', k2: 'revoked' }, published: [] }
    ]
  },
  {
    name: 'revoking the only key',
    keys: [key('h1', 'HS256', { activateAt: 0, revokedAt: 50 })],
    expect: [
      { at: 49, states: { h1: 'active' }, active: 'h1', published: [], nextChangeAt: 50 },
      { at: 50, states: { h1: 'revoked' }, published: [] }
    ]
  },
  {
    name: 'revoking a pending key: it leaves the JWKS and never becomes active',
    keys: [
      key('k1', 'RS256', { activateAt: 0 }),
      key('k2', 'RS256', { createdAt: 500, publishAt: 900, activateAt: 1000, revokedAt: 950 })
    ],
    expect: [
      { at: 940, states: { k1: 'active', k2: 'pending' }, active: 'k1', published: ['k1', 'k2'], nextChangeAt: 950 },
      { at: 950, states: { k1: 'active', k2: 'revoked' }, active: 'k1', published: ['k1'] },
      { at: 1000, states: { k1: 'active', k2: 'revoked' }, active: 'k1', published: ['k1'] },
      { at: 1_000_000, states: { k1: 'active', k2: 'revoked' }, active: 'k1', published: ['k1'] }
    ]
  },
  {
    name: 'revoking a retiring key removes it from the JWKS at once',
    keys: [
      key('k1', 'EdDSA', { activateAt: 0, revokedAt: 1100 }),
      key('k2', 'EdDSA', { activateAt: 1000 })
    ],
    expect: [
      { at: 1099, states: { k1: 'retiring', k2: 'active' }, active: 'k2', published: ['k1', 'k2'], nextChangeAt: 1100 },
      { at: 1100, states: { k1: 'revoked', k2: 'active' }, active: 'k2', published: ['k2'] }
    ]
  },
  {
    name: 'a future retirement, revocation or publication is the next change',
    keys: [
      key('k1', 'ES256', { activateAt: 0 }),
      key('k2', 'ES256', { createdAt: 10, publishAt: 1500, activateAt: 2000 }),
      key('k0', 'ES256', { activateAt: 0, revokedAt: 1200, createdAt: -100 })
    ],
    expect: [
      { at: 10, states: { k1: 'active', k2: 'pending', k0: 'retiring' }, active: 'k1', published: ['k1', 'k0'], nextChangeAt: 300 },
      { at: 300, states: { k1: 'active', k2: 'pending', k0: 'retired' }, active: 'k1', published: ['k1'], nextChangeAt: 1200 },
      { at: 1200, states: { k1: 'active', k2: 'pending', k0: 'revoked' }, active: 'k1', published: ['k1'], nextChangeAt: 1500 }
    ]
  },
  {
    name: 'revoking the active key promotes the published pending key at once (rotate, then revoke)',
    keys: [
      key('k1', 'RS256', { activateAt: 0, revokedAt: 600 }),
      key('k2', 'RS256', { createdAt: 500, publishAt: 500, activateAt: 800 })
    ],
    expect: [
      { at: 599, states: { k1: 'active', k2: 'pending' }, active: 'k1', published: ['k1', 'k2'], nextChangeAt: 600 },
      { at: 600, states: { k1: 'revoked', k2: 'active' }, active: 'k2', published: ['k2'] },
      { at: 800, states: { k1: 'revoked', k2: 'active' }, active: 'k2', published: ['k2'] },
      { at: 1_000_000, states: { k1: 'revoked', k2: 'active' }, active: 'k2', published: ['k2'] }
    ]
  },
  {
    name: 'a rotation and a revocation at the same instant: the pending key is promoted at that instant',
    keys: [
      key('k1', 'ES256', { activateAt: 0, revokedAt: 500 }),
      key('k2', 'ES256', { createdAt: 500, publishAt: 500, activateAt: 800 })
    ],
    expect: [
      { at: 499, states: { k1: 'active', k2: 'pending' }, active: 'k1', published: ['k1'], nextChangeAt: 500 },
      { at: 500, states: { k1: 'revoked', k2: 'active' }, active: 'k2', published: ['k2'] }
    ]
  },
  {
    name: 'an HS256 pending key is promoted whatever its publishAt',
    keys: [
      key('h1', 'HS256', { activateAt: 0, revokedAt: 600 }),
      key('h2', 'HS256', { createdAt: 500, publishAt: 900, activateAt: 1000 })
    ],
    expect: [
      { at: 600, states: { h1: 'revoked', h2: 'active' }, active: 'h2', published: [] },
      { at: 1000, states: { h1: 'revoked', h2: 'active' }, active: 'h2', published: [] }
    ]
  },
  {
    name: 'emergency rotation: the new key activates at the instant the old one is revoked; a scheduled key still takes over later',
    keys: [
      key('k1', 'RS256', { activateAt: 0, revokedAt: 500 }),
      key('k3', 'RS256', { createdAt: 300, publishAt: 300, activateAt: 800 }),
      key('k2', 'RS256', { createdAt: 500, publishAt: 500, activateAt: 500 })
    ],
    expect: [
      { at: 499, states: { k1: 'active', k3: 'pending', k2: 'pending' }, active: 'k1', published: ['k1', 'k3'], nextChangeAt: 500 },
      { at: 500, states: { k1: 'revoked', k3: 'pending', k2: 'active' }, active: 'k2', published: ['k3', 'k2'], nextChangeAt: 800 },
      {
        at: 800,
        states: { k1: 'revoked', k3: 'active', k2: 'retiring' },
        active: 'k3',
        published: ['k3', 'k2'],
        nextChangeAt: 1100,
        windows: { k2: { supersededAt: 800, retiresAt: 1100 } }
      }
    ]
  },
  {
    name: 'an unpublished pending key is not promoted: the retiring key serves until the pending one activates',
    keys: [
      key('k0', 'EdDSA', { activateAt: 0 }),
      key('k1', 'EdDSA', { activateAt: 100, revokedAt: 200 }),
      key('k2', 'EdDSA', { createdAt: 150, publishAt: 500, activateAt: 600 })
    ],
    expect: [
      { at: 200, states: { k0: 'active', k1: 'revoked', k2: 'pending' }, active: 'k0', published: ['k0'], nextChangeAt: 500 },
      { at: 500, states: { k0: 'active', k1: 'revoked', k2: 'pending' }, active: 'k0', published: ['k0', 'k2'], nextChangeAt: 600 },
      {
        at: 600,
        states: { k0: 'retiring', k1: 'revoked', k2: 'active' },
        active: 'k2',
        published: ['k0', 'k2'],
        nextChangeAt: 900,
        windows: { k0: { supersededAt: 600, retiresAt: 900 } }
      }
    ]
  },
  {
    name: 'the newest published pending key wins over a retiring key and an older pending key, which retires when its time comes',
    keys: [
      key('k0', 'RS256', { activateAt: 0 }),
      key('k1', 'RS256', { activateAt: 100, revokedAt: 200 }),
      key('k2', 'RS256', { createdAt: 150, publishAt: 150, activateAt: 1000 }),
      key('k3', 'RS256', { createdAt: 160, publishAt: 160, activateAt: 2000 })
    ],
    expect: [
      {
        at: 200,
        states: { k0: 'retiring', k1: 'revoked', k2: 'pending', k3: 'active' },
        active: 'k3',
        published: ['k0', 'k2', 'k3'],
        nextChangeAt: 400,
        windows: { k0: { supersededAt: 100, retiresAt: 400 } }
      },
      { at: 400, states: { k0: 'retired', k1: 'revoked', k2: 'pending', k3: 'active' }, active: 'k3', published: ['k2', 'k3'], nextChangeAt: 1000 },
      {
        at: 1000,
        states: { k0: 'retired', k1: 'revoked', k2: 'retiring', k3: 'active' },
        active: 'k3',
        published: ['k2', 'k3'],
        nextChangeAt: 1300,
        windows: { k2: { supersededAt: 1000, retiresAt: 1300 } }
      },
      { at: 2000, states: { k0: 'retired', k1: 'revoked', k2: 'retired', k3: 'active' }, active: 'k3', published: ['k3'] }
    ]
  },
  {
    name: 'revoking a promoted key before its activateAt: it never comes back, and with no other key none is active',
    keys: [
      key('k1', 'ES256', { activateAt: 0, revokedAt: 600 }),
      key('k2', 'ES256', { createdAt: 500, publishAt: 500, activateAt: 800, revokedAt: 700 })
    ],
    expect: [
      { at: 650, states: { k1: 'revoked', k2: 'active' }, active: 'k2', published: ['k2'], nextChangeAt: 700 },
      { at: 700, states: { k1: 'revoked', k2: 'revoked' }, published: [] },
      { at: 800, states: { k1: 'revoked', k2: 'revoked' }, published: [] }
    ]
  },
  {
    name: 'a key added after the revocation is not promoted into the past: it activates at its own time',
    keys: [
      key('h1', 'HS256', { activateAt: 0, revokedAt: 100 }),
      key('h2', 'HS256', { createdAt: 200, publishAt: 200, activateAt: 500 })
    ],
    expect: [
      { at: 100, states: { h1: 'revoked', h2: 'pending' }, published: [], nextChangeAt: 500 },
      { at: 300, states: { h1: 'revoked', h2: 'pending' }, published: [], nextChangeAt: 500 },
      { at: 500, states: { h1: 'revoked', h2: 'active' }, active: 'h2', published: [] }
    ]
  },
  {
    name: 'keys activating at the same time: the one created last is active',
    keys: [
      key('late', 'RS256', { createdAt: 20, activateAt: 100 }),
      key('early', 'RS256', { createdAt: 10, activateAt: 100 })
    ],
    expect: [
      { at: 100, states: { late: 'active', early: 'retiring' }, active: 'late', published: ['late', 'early'], nextChangeAt: 400 }
    ]
  }
]

for (const { name, keys, expect } of cases) {
  t.test(name, async t => {
    for (const expected of expect) {
      const view = deriveKeyring(keys, expected.at, RETIRE)
      const label = `at ${expected.at}`
      t.equal(view.at, expected.at, label)
      t.same(Object.fromEntries(view.statuses.map(s => [s.key.kid, s.state])), expected.states, `${label}: states`)
      t.same(view.statuses.map(s => s.key), keys, `${label}: one status per key, in keyring order`)
      t.equal(view.activeKey?.kid, expected.active, `${label}: active key`)
      t.same(view.publishedKeys.map(k => k.kid), expected.published, `${label}: published keys`)
      t.same(view.statuses.filter(s => s.published).map(s => s.key.kid), expected.published, `${label}: published flags`)
      t.equal(view.nextChangeAt, expected.nextChangeAt, `${label}: next change`)
      for (const [kid, window] of Object.entries(expected.windows ?? {})) {
        const status = view.statuses.find(s => s.key.kid === kid)
        t.match(status, window, `${label}: window of ${kid}`)
      }
      const actives = view.statuses.filter(s => s.state === 'active')
      t.equal(actives.length, expected.active === undefined ? 0 : 1, `${label}: at most one active key`)
    }
  })
}

t.test('the derivation does not depend on the order of the keyring', async t => {
  const keys = cases[4].keys
  const reversed = [...keys].reverse()
  for (const at of [0, 100, 250, 399, 400, 699, 700]) {
    const a = deriveKeyring(keys, at, RETIRE)
    const b = deriveKeyring(reversed, at, RETIRE)
    t.equal(a.activeKey?.kid, b.activeKey?.kid, `at ${at}: active`)
    t.same(Object.fromEntries(a.statuses.map(s => [s.key.kid, s.state])), Object.fromEntries(b.statuses.map(s => [s.key.kid, s.state])), `at ${at}: states`)
    t.equal(a.nextChangeAt, b.nextChangeAt, `at ${at}: next change`)
  }
})

t.test('nextChangeAt is where the derived view really changes next', async t => {
  for (const { name, keys } of cases) {
    const fingerprint = (at: number): string => {
      const view = deriveKeyring(keys, at, RETIRE)
      return JSON.stringify([view.activeKey?.kid, view.statuses.map(s => [s.state, s.published])])
    }
    let at = -200
    while (true) {
      const next = deriveKeyring(keys, at, RETIRE).nextChangeAt
      if (next === undefined) break
      t.ok(next > at, `${name}: ${next} is after ${at}`)
      t.equal(fingerprint(next - 1), fingerprint(at), `${name}: nothing changes between ${at} and ${next}`)
      t.not(fingerprint(next), fingerprint(next - 1), `${name}: something changes at ${next}`)
      at = next
    }
  }
})

t.test('a promoted key carries the instant it became active; its stored activateAt is untouched', async t => {
  const keys = [
    key('k1', 'RS256', { activateAt: 0, revokedAt: 600 }),
    key('k2', 'RS256', { createdAt: 500, publishAt: 500, activateAt: 800 })
  ]
  const promoted = deriveKeyring(keys, 700, RETIRE).statuses.find(s => s.key.kid === 'k2')
  t.equal(promoted?.state, 'active')
  t.equal(promoted?.promotedAt, 600)
  t.equal(promoted?.key.activateAt, 800)
  const normal = deriveKeyring([key('k1', 'RS256', { activateAt: 0 })], 700, RETIRE).statuses[0]
  t.equal(normal.promotedAt, undefined, 'a key active by its own activateAt has no promotedAt')
})

t.test('a postponed activation: the key stays pending until its moved activateAt, then takes over (fake clock)', async t => {
  const clock = { now: 1000 }
  const planned = [key('k1', 'ES256', { activateAt: 0 }), key('k2', 'ES256', { createdAt: 100, publishAt: 100, activateAt: 1000 })]
  // The gate rewrote k2's activateAt from 1000 to its deadline 5000 in one write; nothing else is stored.
  const held = [planned[0], { ...planned[1], activateAt: 5000 }]
  let view = deriveKeyring(held, clock.now, RETIRE)
  t.equal(view.activeKey?.kid, 'k1', 'at the planned time the old key still signs')
  t.same(view.statuses.map(s => s.state), ['active', 'pending'])
  t.same(view.publishedKeys.map(k => k.kid), ['k1', 'k2'], 'the held key stays published, so verifiers can still get it')
  t.equal(view.nextChangeAt, 5000, 'the next change is the moved activateAt')
  clock.now = 4999
  t.equal(deriveKeyring(held, clock.now, RETIRE).activeKey?.kid, 'k1')
  clock.now = 5000
  view = deriveKeyring(held, clock.now, RETIRE)
  t.equal(view.activeKey?.kid, 'k2', 'at the deadline it takes over')
  t.match(view.statuses[0], { state: 'retiring', supersededAt: 5000, retiresAt: 5000 + RETIRE }, 'the old key retires from the actual handover')
  // Released early: activateAt moved again, to 2500.
  const released = [planned[0], { ...planned[1], activateAt: 2500 }]
  clock.now = 2500
  t.equal(deriveKeyring(released, clock.now, RETIRE).activeKey?.kid, 'k2', 'a release takes effect at its time')
  t.equal(deriveKeyring(released, clock.now - 1, RETIRE).activeKey?.kid, 'k1')
})
