// The activation gate's decisions as a pure function of a key, the verifiers and a time; and the verifier counts.
import t from 'tap'
import type { KeyVersion, VerifierRecord } from '../../../src/types.js'
import { GATE_LOOKAHEAD_MS, gateOf, gateStep, verifierCounts } from '../../../src/verifiers/propagation.js'

const T = 1_800_000_000_000
const WINDOW = 7 * 86_400_000

function gatedKey (activateAt: number, activateBy: number): KeyVersion {
  return { kid: 'k2', alg: 'ES256', source: 'generated', createdAt: T - 600_000, publishAt: T - 300_000, activateAt, activateBy, sealed: { mk: 'm', dk: 'd', ct: 'c' } }
}

function verifier (id: string, lastSeen: number, kids: string[]): VerifierRecord {
  return { id, ip: '192.0.2.1', userAgent: id, firstSeen: lastSeen, lastSeen, fetches: 1, kids, kidsAt: lastSeen }
}

t.test('verifierCounts counts the verifiers of the window and those holding the kid', async t => {
  const verifiers = [verifier('a', T, ['k1', 'k2']), verifier('b', T - 1000, ['k1']), verifier('old', T - WINDOW - 1, ['k1'])]
  t.same(verifierCounts(verifiers, 'k2', T, WINDOW), { seen: 2, withKey: 1 })
  t.same(verifierCounts(verifiers, 'k1', T, WINDOW), { seen: 2, withKey: 2 })
  t.same(verifierCounts([], 'k1', T, WINDOW), { seen: 0, withKey: 0 })
})

t.test('gateStep: wait, postpone, hold, release, settle', async t => {
  const key = gatedKey(T, T + 3_600_000)
  const lacking = [verifier('a', T - 5000, ['k1'])]
  const holding = [verifier('a', T - 500, ['k1', 'k2'])]
  t.same(gateStep(key, lacking, T - GATE_LOOKAHEAD_MS - 1, WINDOW), { action: 'wait', at: T - GATE_LOOKAHEAD_MS }, 'too early to decide')
  t.same(gateStep(key, lacking, T - 1000, WINDOW), { action: 'postpone', activateAt: T + 3_600_000 }, 'a verifier lacks it: held until activateBy')
  t.same(gateStep(key, holding, T - 1000, WINDOW), { action: 'wait', at: T - 1000 }, 'every verifier has it: it keeps its time')
  t.same(gateStep(key, [], T - 1000, WINDOW), { action: 'wait', at: T - 1000 }, 'no verifier: on time')
  t.same(gateStep(key, [verifier('gone', T - 1000 - WINDOW - 1, ['k1'])], T - 1000, WINDOW), { action: 'wait', at: T - 1000 }, 'a verifier outside the window does not hold it')
  t.same(gateStep(key, [], T, WINDOW), { action: 'settle' }, 'at activateAt it is active: the gate settles it')

  const held = { ...key, activateAt: T + 3_600_000 }
  t.same(gateStep(held, lacking, T + 60_000, WINDOW), { action: 'wait', at: T + 60_000 }, 'held while a verifier lacks it')
  t.same(gateStep(held, holding, T + 60_000, WINDOW), { action: 'release', activateAt: T + 60_000 }, 'released as soon as none lacks it')
  t.same(gateStep(held, lacking, T + 3_600_000, WINDOW), { action: 'settle' }, 'at activateBy it activates whoever lacks it')
})

t.test('gateOf: the 400s of a gate request', async t => {
  t.equal(gateOf({}, 'ES256'), undefined)
  t.equal(gateOf({ waitForVerifiers: true }, 'ES256'), 86_400, 'default maxDelay: one day')
  t.equal(gateOf({ waitForVerifiers: true, maxDelay: 600 }, 'RS256'), 600)
  t.throws(() => gateOf({ maxDelay: 600 }, 'ES256'), { code: 'VALIDATION_FAILED', errors: [{ path: '/maxDelay' }] })
  t.throws(() => gateOf({ waitForVerifiers: true }, 'HS256'), { code: 'VALIDATION_FAILED', errors: [{ path: '/waitForVerifiers' }] })
})
