// Key-policy arithmetic at exact times: the retiring window, the due time of each rotation period, on-grid and catch-up activation.
import t from 'tap'
import { checkPeriodSeconds, checkRotationEvery, duePeriod, MAX_PERIOD_SECONDS, periodActivateAt, retireAfterMs, rotationDueAt } from '../../../src/keys/policy.js'
import type { RotationPolicy } from '../../../src/types.js'

const SECOND = 1000
/** Every 100 s, each version published 10 s before it signs, counted from t = 1000 s. */
const POLICY: RotationPolicy = { every: 100, prepublish: 10, anchor: 1000 * SECOND }

t.test('a superseded key stays published for maxTtl + clockSkew + the JWKS max-age', async t => {
  t.equal(retireAfterMs({ defaultTtl: 60, minTtl: 60, maxTtl: 3600, clockSkew: 30 }, 300), (3600 + 30 + 300) * SECOND)
  t.equal(retireAfterMs({ defaultTtl: 1, minTtl: 1, maxTtl: 1, clockSkew: 0 }, 0), SECOND)
})

t.test('period k is due prepublish before its boundary', async t => {
  t.equal(rotationDueAt(POLICY, 1), 1090 * SECOND)
  t.equal(rotationDueAt(POLICY, 2), 1190 * SECOND)
  t.equal(rotationDueAt({ ...POLICY, prepublish: 0 }, 1), 1100 * SECOND)
})

t.test('the due period turns over exactly at each due time', async t => {
  const cases: Array<[number, number]> = [
    [1000 * SECOND, 0],
    [1090 * SECOND - 1, 0],
    [1090 * SECOND, 1],
    [1190 * SECOND - 1, 1],
    [1190 * SECOND, 2],
    [2090 * SECOND, 11]
  ]
  for (const [now, period] of cases) t.equal(duePeriod(POLICY, now), period, `at ${now} ms`)
  t.ok(duePeriod(POLICY, 0) < 0, 'before the anchor no period is due')
  for (let period = 1; period <= 5; period++) t.equal(duePeriod(POLICY, rotationDueAt(POLICY, period)), period, `due at rotationDueAt(${period})`)
})

t.test('a version created on time activates on its boundary; one created later than the grace is a catch-up', async t => {
  const grace = 2 * SECOND
  t.equal(periodActivateAt(POLICY, 1, 1090 * SECOND, grace), 1100 * SECOND, 'created when due')
  t.equal(periodActivateAt(POLICY, 1, 1092 * SECOND, grace), 1100 * SECOND, 'late by exactly the grace')
  t.equal(periodActivateAt(POLICY, 1, 1092 * SECOND + 1, grace), 1102 * SECOND + 1, 'later: the full prepublish from now')
  t.equal(periodActivateAt(POLICY, 11, 2090 * SECOND + 50 * SECOND, grace), 2150 * SECOND, 'after downtime: one version, prepublish from now')
})

t.test('periods and lead times are whole seconds within MAX_PERIOD_SECONDS', async t => {
  t.equal(checkPeriodSeconds(1, '/every', 1), 1)
  t.equal(checkPeriodSeconds(0, '/prepublish', 0), 0)
  t.equal(checkPeriodSeconds(MAX_PERIOD_SECONDS, '/every', 1), MAX_PERIOD_SECONDS)
  t.ok(new Date(rotationDueAt({ every: MAX_PERIOD_SECONDS, prepublish: 0, anchor: Date.UTC(2100, 0) }, 1)).getTime() > 0, 'a Date holds the longest period')
  for (const [seconds, min] of [[0, 1], [-1, 0], [0.5, 0], [MAX_PERIOD_SECONDS + 1, 0], [Number.NaN, 0]] as const) {
    t.throws(() => checkPeriodSeconds(seconds, '/x', min), { code: 'VALIDATION_FAILED', errors: [{ path: '/x' }] }, `${seconds} (min ${min}) is refused`)
  }
})

t.test('a periodic rotation is at least ROTATION_MIN_PERIOD: below it a 400 naming /every', async t => {
  t.equal(checkRotationEvery(3600, 3600), 3600)
  t.equal(checkRotationEvery(MAX_PERIOD_SECONDS, 3600), MAX_PERIOD_SECONDS)
  for (const every of [1, 3599, 0, 1.5, MAX_PERIOD_SECONDS + 1]) {
    t.throws(() => checkRotationEvery(every, 3600), { code: 'VALIDATION_FAILED', errors: [{ path: '/every' }] }, `every ${every}`)
  }
  t.equal(checkRotationEvery(1, 1), 1, 'the minimum is a parameter')
})
