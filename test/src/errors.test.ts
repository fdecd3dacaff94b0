// Field errors read one way everywhere: `<path> <message>`, joined by "; ", the body's root as "the body".
import t from 'tap'
import { describeFieldErrors, fieldsInvalid, invalid } from '../../src/errors.js'

t.test('field errors are described as "<path> <message>", all of them, the root as "the body"', async t => {
  t.equal(describeFieldErrors([{ path: '/id', message: 'is required' }, { path: '/name', message: 'is required' }]), '/id is required; /name is required')
  t.equal(describeFieldErrors([{ path: '', message: 'must be a JSON object' }]), 'the body must be a JSON object')
  t.equal(describeFieldErrors([{ path: '/', message: 'is not valid JSON' }]), 'the body is not valid JSON')
})

t.test('fieldsInvalid carries every error and its code; invalid is the one-field case', async t => {
  const err = fieldsInvalid([{ path: '/a', message: 'x' }, { path: '/b', message: 'y' }])
  t.equal(err.code, 'VALIDATION_FAILED')
  t.equal(err.status, 400)
  t.equal(err.message, '/a x; /b y')
  t.strictSame(err.errors, [{ path: '/a', message: 'x' }, { path: '/b', message: 'y' }])
  t.equal(fieldsInvalid([{ path: '/claimsSchema', message: 'z' }], 'INVALID_SCHEMA').code, 'INVALID_SCHEMA')
  const one = invalid('/secret', 'is too short')
  t.equal(one.message, '/secret is too short')
  t.strictSame(one.errors, [{ path: '/secret', message: 'is too short' }])
})
