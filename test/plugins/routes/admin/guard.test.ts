// The guard of the operator tree: a route that declares no action is refused when registered and when called.
import Fastify from 'fastify'
import t from 'tap'
import { Authenticator } from '../../../../src/access/authenticator.js'
import { MemoryStore } from '../../../../src/store/memory-store.js'
import { createGuard, declaredActions } from '../../../../plugins/routes/admin/guard.js'
import problem from '../../../../plugins/app/problem.js'
import { ADMIN_TOKEN } from '../../../helpers/build.js'

t.test('registering an admin route without an action, or with an unknown one, fails', async t => {
  const routes: Array<{ method: string, url: string }> = []
  const check = declaredActions(routes as never)
  t.throws(() => { check({ method: 'GET', url: '/v1/admin/new', handler: async () => null }) }, /GET \/v1\/admin\/new declares no action/)
  t.throws(() => { check({ method: 'GET', url: '/v1/admin/new', handler: async () => null, config: { action: 'everything' as never } }) }, /unknown action everything/)
  check({ method: ['GET', 'HEAD'], url: '/v1/admin/ok', handler: async () => null, config: { action: 'tenants:list' } })
  t.same(routes, [{ method: 'GET', url: '/v1/admin/ok', action: 'tenants:list' }, { method: 'HEAD', url: '/v1/admin/ok', action: 'tenants:list' }])

  const app = Fastify()
  t.teardown(async () => { await app.close() })
  app.addHook('onRoute', check)
  t.throws(() => app.get('/v1/admin/undeclared', async () => 'open'), /declares no action/, 'the route is not added: the app does not build')
})

t.test('a request to a route that declares no action is refused, never let through', async t => {
  const store = new MemoryStore()
  const authenticator = new Authenticator({ store, adminToken: ADMIN_TOKEN, clock: Date.now, ttlMs: 1000, onTouchError: () => {} })
  const app = Fastify()
  t.teardown(async () => {
    authenticator.close()
    await app.close()
  })
  app.decorate('tokenmint', { store, authenticator, config: { authFailuresMax: 20 } } as never)
  await app.register(problem)
  const guard = createGuard(app, async () => undefined)
  app.addHook('onRequest', guard.authenticate)
  app.addHook('preValidation', guard.authorizeRequest)
  app.get('/undeclared', async () => 'open')
  const res = await app.inject({ method: 'GET', url: '/undeclared', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.equal(res.statusCode, 403)
  t.equal(res.json().code, 'FORBIDDEN')
  t.notOk(res.body.includes('open'))
})
