// The OpenAPI document describes every route from the same schemas that validate them.
import { Validator } from '@seriousme/openapi-schema-validator'
import t from 'tap'
import { PROFILES } from '../../../src/profiles/registry.js'
import { build } from '../../helpers/build.js'

t.test('/docs/json documents every route, /docs serves the UI', async t => {
  const { app } = await build(t)
  const res = await app.inject('/docs/json')
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.match(doc.openapi, /^3\./)
  const expected: Array<[string, string]> = [
    ['/v1/tenants/{tenant}/tokens', 'post'],
    ['/v1/tenants/{tenant}/tokens/verify', 'post'],
    ['/v1/tenants/{tenant}/jwks.json', 'get'],
    ['/t/{tenant}/.well-known/jwks.json', 'get'],
    ['/t/{tenant}/.well-known/openid-configuration', 'get'],
    ['/v1/admin/tenants', 'post'],
    ['/v1/admin/tenants', 'get'],
    ['/v1/admin/tenants/{tenant}', 'get'],
    ['/v1/admin/tenants/{tenant}', 'patch'],
    ['/v1/admin/tenants/{tenant}', 'delete'],
    ['/v1/admin/tenants/{tenant}/api-keys', 'post'],
    ['/v1/admin/tenants/{tenant}/api-keys', 'get'],
    ['/v1/admin/tenants/{tenant}/api-keys/{id}', 'delete'],
    ['/v1/admin/tenants/{tenant}/keys', 'get'],
    ['/v1/admin/tenants/{tenant}/keys', 'post'],
    ['/v1/admin/tenants/{tenant}/keys/rotate', 'post'],
    ['/v1/admin/tenants/{tenant}/keys/{kid}/revoke', 'post'],
    ['/v1/admin/tenants/{tenant}/keys/{kid}/public.pem', 'get'],
    ['/v1/admin/tenants/{tenant}/rotation', 'put'],
    ['/v1/admin/tenants/{tenant}/rotation', 'delete'],
    ['/v1/admin/audit', 'get'],
    ['/healthz', 'get'],
    ['/readyz', 'get'],
    ['/metrics', 'get']
  ]
  for (const [path, method] of expected) {
    const operation = doc.paths[path]?.[method]
    t.ok(operation, `${method.toUpperCase()} ${path} is documented`)
    t.type(operation?.summary, 'string', `${method.toUpperCase()} ${path} has a summary`)
  }
  const create = doc.paths['/v1/admin/tenants'].post
  t.ok(create.requestBody.content['application/json'].schema.properties.profile, 'request schemas come from the route schemas')
  t.ok(doc.components.securitySchemes.adminToken && doc.components.securitySchemes.apiKey)
  const ui = await app.inject('/docs/')
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
})

t.test('/docs/json is a valid OpenAPI document', async t => {
  const { app } = await build(t)
  const doc = (await app.inject('/docs/json')).json()
  const result = await new Validator().validate(doc)
  t.same(result.errors ?? [], [], 'no validation errors')
  t.equal(result.valid, true)
})

t.test('the token body is one schema per profile, profileOptions too; the 201 and the errors are named', async t => {
  const { app } = await build(t)
  const doc = (await app.inject('/docs/json')).json()
  const operation = doc.paths['/v1/tenants/{tenant}/tokens'].post
  const media = operation.requestBody.content['application/json']
  t.strictSame(media.schema.oneOf.map((branch: { title: string }) => branch.title), Object.keys(PROFILES), 'one schema per profile (details: issue-body.test.ts)')
  t.equal(operation.responses['201'].description, 'The issued token, signed by the tenant\'s active key')
  for (const status of ['400', '401', '403', '404', '409', '413', '415', '429', '503']) {
    t.strictSame(operation.responses[status].content, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }, `${status}: the shared Problem schema as application/problem+json`)
  }
  t.ok(doc.components.schemas.Problem, 'one Problem component')
  const create = doc.paths['/v1/admin/tenants'].post.requestBody.content['application/json'].schema
  t.strictSame(create.properties.profileOptions.oneOf.map((branch: { title: string }) => branch.title), Object.keys(PROFILES), 'profileOptions typed per profile')
  t.ok(create.properties.profileOptions.oneOf.find((b: { title: string }) => b.title === 'tiledesk').required.includes('projectId'))
  t.match(doc.paths['/metrics'].get.responses['200'].content, { 'text/plain': { schema: { type: 'string' } } })
})

t.test('error answers still carry every problem member under the application/problem+json response schema', async t => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/v1/admin/tenants', headers: { authorization: 'Bearer test-admin-token-0123456789abcdef' }, payload: { id: 'x' } })
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(res.json(), { type: String, title: 'Bad Request', status: 400, code: 'VALIDATION_FAILED', detail: '/name is required; /profile is required', instance: '/v1/admin/tenants', errors: [{ path: '/name' }, { path: '/profile' }] })
})
