// Liveness and readiness, on the embedded store and on a Redis that goes away.
import t from 'tap'
import { build, storeReady } from '../helpers/build.js'
import { startRedis } from '../helpers/redis-server.js'

t.test('healthz answers 200 and readyz reports the embedded store', async t => {
  const { app } = await build(t)
  const health = await app.inject('/healthz')
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', store: 'memory' })
})

t.test('readyz is 503 problem+json while Redis is down, and 200 again after it returns', async t => {
  const redis = await startRedis(t)
  const { app } = await build(t, { redisUrl: redis.url })
  await storeReady(app)
  t.equal((await app.inject('/readyz')).statusCode, 200)
  await redis.kill()
  const down = await app.inject('/readyz')
  t.equal(down.statusCode, 503)
  t.equal(down.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(down.json().code, 'STORE_UNAVAILABLE')
  t.equal((await app.inject('/healthz')).statusCode, 200)
  await redis.restart()
  await storeReady(app)
  t.equal((await app.inject('/readyz')).statusCode, 200)
})
