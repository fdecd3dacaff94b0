import t from 'tap'
import {
  compileCheck, createAjv, fieldErrors, mergeErrors, ownedClaimErrors, pointerToken, schemaCheck, unsafeKeyErrors
} from '../../../src/profiles/validator.js'

t.test('JSON pointer tokens are escaped', async t => {
  t.equal(pointerToken('plain'), 'plain')
  t.equal(pointerToken('a/b'), 'a~1b')
  t.equal(pointerToken('a~b'), 'a~0b')
  t.equal(pointerToken('~/'), '~0~1')
})

t.test('strict: no coercion, no defaults, nothing removed', async t => {
  const check = compileCheck({
    type: 'object',
    properties: { n: { type: 'integer' }, s: { type: 'string', default: 'x' }, b: { type: 'boolean' } },
    additionalProperties: false
  })
  t.strictSame(check({ n: '1' }), [{ path: '/n', message: 'must be integer' }])
  t.strictSame(check({ s: 1 }), [{ path: '/s', message: 'must be string' }])
  t.strictSame(check({ b: 'true' }), [{ path: '/b', message: 'must be boolean' }])
  t.strictSame(check({ b: 1 }), [{ path: '/b', message: 'must be boolean' }])
  const body = { n: 1, extra: 2 }
  t.strictSame(check(body), [{ path: '/extra', message: 'is not an allowed field' }])
  t.strictSame(body, { n: 1, extra: 2 })
  const empty = {}
  t.strictSame(check(empty), [])
  t.strictSame(empty, {})
})

t.test('strict mode refuses unknown keywords in a schema', async t => {
  t.throws(() => createAjv().compile({ type: 'object', propertees: {} }), /unknown keyword/)
})

t.test('missing and unknown members are named by their own path, escaped, with a prefix', async t => {
  const check = compileCheck({
    type: 'object',
    required: ['a/b'],
    properties: { 'a/b': { type: 'string' }, inner: { type: 'object', required: ['x'], properties: { x: { type: 'string' } }, additionalProperties: false } },
    additionalProperties: false
  })
  t.strictSame(check({ inner: { y: 1 }, 'c~d': 1 }, '/profileOptions'), [
    { path: '/profileOptions/a~1b', message: 'is required' },
    { path: '/profileOptions/c~0d', message: 'is not an allowed field' },
    { path: '/profileOptions/inner/x', message: 'is required' },
    { path: '/profileOptions/inner/y', message: 'is not an allowed field' }
  ])
})

t.test('a failed anyOf is one error listing what each branch wanted', async t => {
  const check = compileCheck({ type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'integer' }] } } })
  t.strictSame(check({ a: true }), [{ path: '/a', message: 'must be string, or must be integer' }])
  t.strictSame(check({ a: 1 }), [])
})

t.test('an enum or a const error lists the allowed values, once per field', async t => {
  const check = compileCheck({
    type: 'object',
    properties: {
      plan: { enum: ['free', 'pro'] },
      level: { enum: [1, 'two', null] },
      scope: { const: 'appUser' },
      profile: { anyOf: [{ const: 'smooch' }, { const: 'khoros' }, { enum: ['sceyt', 'smooch'] }] }
    }
  })
  t.strictSame(check({ plan: 'gold', level: 3, scope: 'app', profile: 'smoch' }), [
    { path: '/plan', message: 'must be one of free, pro' },
    { path: '/level', message: 'must be one of 1, two, null' },
    { path: '/scope', message: 'must be "appUser"' },
    { path: '/profile', message: 'must be one of smooch, khoros, sceyt' }
  ], 'an anyOf of constants reads as one list, each value once')
})

t.test('a failed propertyNames names the property with the inner reason', async t => {
  const check = compileCheck({ type: 'object', propertyNames: { type: 'string', maxLength: 3 } })
  t.strictSame(check({ long: 1, ok: 2 }), [{ path: '/long', message: 'name must NOT have more than 3 characters' }])
})

t.test('fieldErrors drops exact duplicates', async t => {
  const error = { instancePath: '/a', schemaPath: '#/properties/a/type', keyword: 'type', params: { type: 'string' }, message: 'must be string' }
  t.strictSame(fieldErrors([error, error]), [{ path: '/a', message: 'must be string' }])
})

t.test('built-in schemas are compiled once', async t => {
  const schema = { type: 'object' }
  t.equal(schemaCheck(schema), schemaCheck(schema))
  t.not(schemaCheck(schema), schemaCheck({ type: 'object' }))
})

t.test('unsafe keys are found at any depth, arrays included', async t => {
  const body = JSON.parse('{"a":{"b":[{"__proto__":1}],"constructor":2},"prototype":3,"ok":{"fine":true}}')
  t.strictSame(unsafeKeyErrors(body, '/x').map(error => error.path).sort(), ['/x/a/b/0/__proto__', '/x/a/constructor', '/x/prototype'])
  t.strictSame(unsafeKeyErrors({ a: [1, 'constructor'], b: null }), [])
})

t.test('a deeply nested body does not exhaust the stack', async t => {
  let deep: unknown = {}
  for (let i = 0; i < 100_000; i++) deep = { d: deep }
  t.strictSame(unsafeKeyErrors(deep), [])
  const poisoned = JSON.parse(`${'{"d":'.repeat(20_000)}{"__proto__":1}${'}'.repeat(20_000)}`)
  t.equal(unsafeKeyErrors(poisoned).length, 1)
})

t.test('owned claims are named with their owner', async t => {
  const owners = new Map([['scope', 'the smooch profile'], ['org', 'the tenant\'s static claims']])
  t.strictSame(ownedClaimErrors({ scope: 1, org: 2, userId: 'u' }, owners), [
    { path: '/scope', message: 'is set by the smooch profile' },
    { path: '/org', message: 'is set by the tenant\'s static claims' }
  ])
})

t.test('mergeErrors keeps the first group\'s error for a path', async t => {
  t.strictSame(mergeErrors(
    [{ path: '/scope', message: 'is set by the smooch profile' }],
    [{ path: '/scope', message: 'is not an allowed field' }, { path: '/a', message: 'x' }, { path: '/a', message: 'y' }],
    [{ path: '/a', message: 'z' }]
  ), [{ path: '/scope', message: 'is set by the smooch profile' }, { path: '/a', message: 'x' }, { path: '/a', message: 'y' }])
})
