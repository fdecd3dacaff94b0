// Unknown tenants on two instances of one Redis: absence is remembered for a second per instance, and creation ends it everywhere at once.
import t from 'tap'
import { build, FakeClock, storeReady } from '../../helpers/build.js'
import { es256Tenant, nextChange } from '../../helpers/key-lifecycle.js'
import { startRedis, uniquePrefix } from '../../helpers/redis-server.js'
import { createTenant } from '../../helpers/tenants.js'
import { ABSENT_TTL_MS } from '../../../src/cache/tenant-cache.js'

t.test('an unknown tenant costs one store read per instance and second; creating it clears that on every instance', async t => {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const clock = new FakeClock()
  const a = await build(t, { redisUrl: redis.url, prefix, clock })
  const b = await build(t, { redisUrl: redis.url, prefix, clock })
  await storeReady(a.app)
  await storeReady(b.app)
  const jwks = async (app: typeof a.app): Promise<number> => (await app.inject('/v1/tenants/late/jwks.json')).statusCode
  /** A well-formed API key for the tenant, guessed: authentication looks the tenant up before any rate limit. */
  const guessed = `tm_late_0123456789abcdef_${'x'.repeat(43)}`
  const issuing = async (app: typeof a.app): Promise<number> =>
    (await app.inject({ method: 'POST', url: '/v1/tenants/late/tokens', headers: { authorization: `Bearer ${guessed}` }, payload: { sub: 'u' } })).statusCode

  for (const app of [a.app, b.app]) {
    t.equal(await jwks(app), 404)
    t.equal(await issuing(app), 404)
    t.equal(await jwks(app), 404)
  }
  t.match(a.app.tokenmint.cache.stats, { misses: 1, absent: 2 }, 'a read the store once for three lookups')
  t.match(b.app.tokenmint.cache.stats, { misses: 1, absent: 2 }, 'and so did b')

  clock.advance(ABSENT_TTL_MS)
  t.equal(await jwks(b.app), 404)
  t.match(b.app.tokenmint.cache.stats, { misses: 2, absent: 2 }, 'after a second b reads the store again')
  t.equal(await jwks(b.app), 404)
  t.match(b.app.tokenmint.cache.stats, { misses: 2, absent: 3 }, 'and remembers the answer for another second')

  const heard = nextChange(b.app, 'late', 5000)
  await createTenant(a.app, es256Tenant('late'))
  await heard
  t.equal(await jwks(a.app), 200, 'the creating instance serves the tenant at once')
  t.equal(await jwks(b.app), 200, 'the other instance too, with no clock moved')
})
