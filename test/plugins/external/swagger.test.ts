// The OpenAPI document describes every route from the same schemas that validate them.
import t from 'tap'
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
    ['/v1/admin/tenants/{tenant}/rotation', 'put'],
    ['/v1/admin/tenants/{tenant}/rotation', 'delete'],
    ['/v1/admin/audit', 'get'],
    ['/healthz', 'get'],
    ['/readyz', 'get']
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
