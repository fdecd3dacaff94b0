// Tenant patterns on RE2: what compiles, the matching budget, and a fuzz bound on the time any schema and input take to match.
import fc from 'fast-check'
import t from 'tap'
import { compileClaimsSchema, claimsSchemaShapeErrors } from '../../../src/profiles/custom-schema.js'
import { BUDGET_EXCEEDED, MATCH_BUDGET, PATTERN_MAX_SIZE, PATTERNS_MAX_SIZE, TenantPatterns } from '../../../src/profiles/tenant-patterns.js'

/** Fixed so a failure replays; FUZZ_SEED=<n> explores another sequence. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202)
/** CPU time, far above the few ms any validation takes, so a loaded machine does not fail it; backtracking took seconds. */
const MATCHING_WITHIN_MS = 50

/** CPU time of `run`, in ms: what the event loop is held for, less what other processes took of the machine meanwhile. */
function cpuMs (run: () => void): number {
  const before = process.cpuUsage()
  run()
  const { user, system } = process.cpuUsage(before)
  return (user + system) / 1000
}

const withPattern = (pattern: string): Record<string, unknown> => ({ type: 'object', properties: { sub: { type: 'string', pattern } } })

t.test('the patterns of the review run in linear time at tenant creation, issuance and verify', { timeout: 20_000 }, async t => {
  const cases = [
    { pattern: '^(\\w|\\d)*$', inputs: ['1'.repeat(28) + '!', '1'.repeat(60) + '!'] },
    { pattern: '^\\d*\\d*\\d*\\d*$', inputs: ['1'.repeat(1000) + 'x'] }
  ]
  for (const { pattern, inputs } of cases) {
    const validate = compileClaimsSchema(withPattern(pattern))
    for (const sub of inputs) t.strictSame(validate({ sub }), [{ path: '/sub', message: `must match pattern "${pattern}"` }], `${pattern} on ${sub.length} characters`)
    t.strictSame(validate({ sub: '123' }), [], `${pattern} still matches what it should`)
  }
})

t.test('what RE2 cannot run is refused where it is written', async t => {
  const cases: Array<{ pattern: string, message: RegExp }> = [
    { pattern: '(?=a)a', message: /RE2.*lookaround/ },
    { pattern: '(?<!a)b', message: /RE2/ },
    { pattern: '^(a)\\1$', message: /RE2.*backreferences/ },
    { pattern: '(', message: /ECMA-262/ },
    { pattern: '(?i)abc', message: /ECMA-262/ }, // RE2 syntax, not JSON Schema's
    { pattern: '[a-z]{1,900}', message: new RegExp(`at most ${PATTERN_MAX_SIZE}`) }
  ]
  for (const { pattern, message } of cases) {
    const errors = claimsSchemaShapeErrors(withPattern(pattern))
    t.match(errors, [{ path: '/claimsSchema/properties/sub/pattern', message }], pattern)
    t.throws(() => compileClaimsSchema(withPattern(pattern)), { code: 'INVALID_SCHEMA', status: 400 }, pattern)
  }
  const keyed = claimsSchemaShapeErrors({ type: 'object', patternProperties: { '(?=x)': { type: 'string' } } })
  t.match(keyed, [{ path: '/claimsSchema/patternProperties/(?=x)', message: /RE2/ }], 'a patternProperties key')
  const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`p${i}`, { type: 'string', pattern: `^[a-z]{1,400}${i}$` }]))
  t.match(claimsSchemaShapeErrors({ type: 'object', properties: many }), [{ path: '/claimsSchema', message: new RegExp(`at most ${PATTERNS_MAX_SIZE}`) }], 'too large in all')
})

t.test('JSON Schema patterns keep their meaning', async t => {
  const cases: Array<[string, string, boolean]> = [
    ['^[A-Za-z0-9._-]{1,64}$', 'user.name-1', true],
    ['^[A-Za-z0-9._-]{1,64}$', 'a'.repeat(65), false],
    ['^\\u00e9$', 'é', true],
    ['^\\p{L}+$', 'héllo', true],
    ['^.$', '😀', true],
    ['^\\u{1F600}$', '😀', true],
    ['^a\\/b$', 'a/b', true],
    ['b', 'abc', true], // unanchored, as in JSON Schema
    ['^a$', 'a\n', false]
  ]
  for (const [pattern, sub, matches] of cases) {
    t.equal(compileClaimsSchema(withPattern(pattern))({ sub }).length === 0, matches, `${pattern} on ${JSON.stringify(sub)}`)
  }
  const keyed = compileClaimsSchema({ type: 'object', patternProperties: { '^x-[a-z]+$': { type: 'string' } }, additionalProperties: false })
  t.strictSame(keyed({ 'x-a': 'v' }), [])
  t.strictSame(keyed({ y: 'v' }), [{ path: '/y', message: 'is not an allowed field' }])
})

t.test('a validation over the matching budget fails, and the next one starts afresh', async t => {
  const validate = compileClaimsSchema({ type: 'object', properties: { sub: { type: 'string', pattern: '^[a-z]+$', maxLength: 64 } } })
  const size = new TenantPatterns()
  size.check('^[a-z]+$')
  const longest = Math.floor(MATCH_BUDGET / size.size) - 1
  t.strictSame(validate({ sub: 'a'.repeat(Math.min(longest, 64)) }), [], 'within the budget')
  t.strictSame(validate({ sub: 'a'.repeat(longest + 1) }), [
    { path: '/sub', message: 'must NOT have more than 64 characters' },
    { path: '', message: BUDGET_EXCEEDED }
  ], 'over it: the other errors stay, the skipped match is the budget\'s error')
  t.strictSame(validate({ sub: 'abc' }), [], 'the budget is per validation')
  const spread = compileClaimsSchema({ type: 'object', properties: { tags: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' } } } })
  const tag = 'a'.repeat(99)
  const fit = Math.floor(MATCH_BUDGET / ((tag.length + 1) * size.size))
  t.strictSame(spread({ tags: Array(fit).fill(tag) }), [], 'many small matches add up to the budget')
  t.strictSame(spread({ tags: Array(fit + 1).fill(tag) }), [{ path: '', message: BUDGET_EXCEEDED }], 'and no further')
})

/** A random regular expression over a small alphabet, nested, with the constructs that make backtracking engines blow up. */
const regexTree: fc.Arbitrary<string> = fc.letrec<{ node: string }>(tie => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a', 'b', '\\d', '\\w', '.', '[ab]', '[^a]', '\\s', '\\p{L}'),
    fc.tuple(tie('node'), tie('node')).map(([x, y]) => `${x}${y}`),
    fc.tuple(tie('node'), tie('node')).map(([x, y]) => `(${x}|${y})`),
    fc.tuple(tie('node'), fc.constantFrom('*', '+', '?', '{2,5}', '{1,20}', '*?')).map(([x, q]) => `(${x})${q}`)
  )
})).node

const pattern = fc.tuple(fc.boolean(), regexTree, fc.boolean()).map(([start, body, end]) => `${start ? '^' : ''}${body}${end ? '$' : ''}`)
/** Inputs that match for a long while then fail: where backtracking engines spend their time. */
const input = fc.tuple(fc.constantFrom('a', 'b', '1', 'ab', 'a1', 'é'), fc.integer({ min: 0, max: 4000 }), fc.constantFrom('', '!', 'b', ' ', 'x'))
  .map(([unit, times, tail]) => unit.repeat(times) + tail)

t.test('no schema and input take more than a few ms of matching', async t => {
  let slowest = 0
  fc.assert(fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), fc.array(input, { minLength: 1, maxLength: 4 }), (patterns, inputs) => {
    const schema = {
      type: 'object',
      properties: Object.fromEntries(patterns.map((p, i) => [`p${i}`, { type: 'array', items: { type: 'string', pattern: p } }])),
      patternProperties: { [patterns[0] as string]: {} }
    }
    let validate
    try {
      validate = compileClaimsSchema(schema)
    } catch {
      return // refused at creation (too large for RE2): nothing runs
    }
    const claims = Object.fromEntries(patterns.map((_, i) => [`p${i}`, inputs]))
    const took = cpuMs(() => validate(claims))
    slowest = Math.max(slowest, took)
    return took < MATCHING_WITHIN_MS
  }), { seed: SEED, numRuns: 300 })
  t.ok(slowest < MATCHING_WITHIN_MS, `slowest validation: ${slowest.toFixed(1)} ms (under ${MATCHING_WITHIN_MS} ms)`)
})
