// The router's own errors as problem+json: a path parameter over the router's limit names the limit it broke.
import t from 'tap'
import { build } from '../../helpers/build.js'

t.test('a path parameter of 161 characters is a 400 naming the 160-character limit; 160 reaches the route', async t => {
  const { app } = await build(t)
  const long = await app.inject({ method: 'GET', url: `/t/${'a'.repeat(161)}/.well-known/jwks.json` })
  t.equal(long.statusCode, 400)
  t.equal(long.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(long.json(), { code: 'VALIDATION_FAILED', detail: 'the URL has a path parameter longer than 160 characters', errors: [{ path: '/params' }] })
  const limit = await app.inject({ method: 'GET', url: `/t/${'a'.repeat(160)}/.well-known/jwks.json` })
  t.match(limit.json(), { errors: [{ path: '/params/tenant' }] }, 'a parameter at the limit reaches the route and its schema')
})
