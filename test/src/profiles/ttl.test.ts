import t from 'tap'
import { completePolicy, DEFAULT_POLICY, getProfile, MAX_CLOCK_SKEW, resolveTtl, TTL_LIMITS, validatePolicy } from '../../../src/profiles/index.js'
import type { TokenPolicy } from '../../../src/types.js'
import { caught, messageAt, pathsOf } from './fixtures/tenants.js'

const policy: TokenPolicy = { defaultTtl: 900, minTtl: 60, maxTtl: 3600, clockSkew: 30 }
const smooch = getProfile('smooch')

t.test('resolveTtl: the default, or the requested ttl inside [minTtl, maxTtl]', async t => {
  t.equal(resolveTtl(policy), 900)
  t.equal(resolveTtl(policy, undefined), 900)
  t.equal(resolveTtl(policy, 60), 60)
  t.equal(resolveTtl(policy, 61), 61)
  t.equal(resolveTtl(policy, 3600), 3600)
})

t.test('resolveTtl: out of range is TTL_OUT_OF_RANGE naming /ttl, never clamped', async t => {
  for (const ttl of [59, 3601, 0, -1, Number.MAX_SAFE_INTEGER]) {
    const err = caught(() => resolveTtl(policy, ttl))
    t.equal(err.code, 'TTL_OUT_OF_RANGE', String(ttl))
    t.equal(err.status, 400, String(ttl))
    t.strictSame(pathsOf(err), ['/ttl'], String(ttl))
    t.match(messageAt(err, '/ttl'), /between 60 and 3600 seconds/, String(ttl))
  }
  for (const ttl of [1.5, Number.NaN, Infinity]) {
    const err = caught(() => resolveTtl(policy, ttl))
    t.equal(err.code, 'VALIDATION_FAILED', String(ttl))
    t.strictSame(pathsOf(err), ['/ttl'], String(ttl))
  }
})

t.test('validatePolicy: the global limits at their edges', async t => {
  const at = (change: Partial<TokenPolicy>): TokenPolicy => ({ ...DEFAULT_POLICY, ...change })
  const ok: Array<Partial<TokenPolicy>> = [
    {},
    { minTtl: TTL_LIMITS.min, defaultTtl: TTL_LIMITS.min, maxTtl: TTL_LIMITS.min },
    { maxTtl: TTL_LIMITS.max },
    { clockSkew: 0 },
    { clockSkew: MAX_CLOCK_SKEW },
    { minTtl: 3600, defaultTtl: 3600, maxTtl: 3600 }
  ]
  for (const change of ok) t.strictSame(validatePolicy(smooch, at(change)), at(change), JSON.stringify(change))

  const bad: Array<{ change: Partial<TokenPolicy>, paths: string[], message?: RegExp }> = [
    { change: { minTtl: 0 }, paths: ['/tokenPolicy/minTtl'], message: /at least 1/ },
    { change: { maxTtl: TTL_LIMITS.max + 1 }, paths: ['/tokenPolicy/maxTtl'], message: /at most 2592000/ },
    { change: { minTtl: 7200, maxTtl: 3600, defaultTtl: 3600 }, paths: ['/tokenPolicy/minTtl'], message: /maxTtl/ },
    { change: { defaultTtl: 30 }, paths: ['/tokenPolicy/defaultTtl'], message: /between minTtl and maxTtl/ },
    { change: { defaultTtl: 86_401 }, paths: ['/tokenPolicy/defaultTtl'] },
    { change: { clockSkew: -1 }, paths: ['/tokenPolicy/clockSkew'] },
    { change: { clockSkew: MAX_CLOCK_SKEW + 1 }, paths: ['/tokenPolicy/clockSkew'], message: /0 and 600/ },
    { change: { defaultTtl: 60.5 }, paths: ['/tokenPolicy/defaultTtl'], message: /integer/ },
    { change: { maxTtl: '600' as unknown as number, clockSkew: Number.NaN }, paths: ['/tokenPolicy/maxTtl', '/tokenPolicy/clockSkew'] }
  ]
  for (const { change, paths, message } of bad) {
    const err = caught(() => validatePolicy(smooch, at(change)))
    t.equal(err.code, 'VALIDATION_FAILED', JSON.stringify(change))
    t.strictSame(pathsOf(err), paths, JSON.stringify(change))
    if (message !== undefined) t.match(messageAt(err, paths[0] as string), message, JSON.stringify(change))
  }
})

t.test('every profile\'s defaults satisfy its own limits', async t => {
  for (const name of ['smooch', 'khoros', 'tiledesk', 'sceyt', 'chat-widget', 'custom'] as const) {
    const profile = getProfile(name)
    t.strictSame(validatePolicy(profile, profile.policyDefaults), profile.policyDefaults, name)
  }
})

t.test('completePolicy: missing fields chosen inside the given ones', async t => {
  const cases: Array<{ given: unknown, policy: TokenPolicy }> = [
    { given: undefined, policy: { ...DEFAULT_POLICY } },
    { given: {}, policy: { ...DEFAULT_POLICY } },
    { given: { maxTtl: 300 }, policy: { defaultTtl: 300, minTtl: 60, maxTtl: 300, clockSkew: 30 } },
    { given: { maxTtl: 30 }, policy: { defaultTtl: 30, minTtl: 30, maxTtl: 30, clockSkew: 30 } },
    { given: { minTtl: 100_000 }, policy: { defaultTtl: 100_000, minTtl: 100_000, maxTtl: 100_000, clockSkew: 30 } },
    { given: { defaultTtl: 30 }, policy: { defaultTtl: 30, minTtl: 30, maxTtl: 86_400, clockSkew: 30 } },
    { given: { defaultTtl: 200_000 }, policy: { defaultTtl: 200_000, minTtl: 60, maxTtl: 200_000, clockSkew: 30 } },
    { given: { clockSkew: 0 }, policy: { ...DEFAULT_POLICY, clockSkew: 0 } }
  ]
  for (const { given, policy } of cases) t.strictSame(completePolicy(smooch, given), { policy }, JSON.stringify(given))
})

t.test('completePolicy: unknown fields and non-integers are reported, not completed', async t => {
  t.strictSame(completePolicy(smooch, { maxTTL: 5, minTtl: '60' }), {
    errors: [{ path: '/tokenPolicy/maxTTL', message: 'is not an allowed field' }, { path: '/tokenPolicy/minTtl', message: 'must be an integer' }]
  })
  t.strictSame(completePolicy(smooch, [60]), { errors: [{ path: '/tokenPolicy', message: 'must be an object' }] })
})
