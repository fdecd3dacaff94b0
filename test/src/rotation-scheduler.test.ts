// Periodic rotation: one version per period across instances sharing a store, on the grid, and one catch-up version after downtime.
import { Redis } from 'ioredis'
import t from 'tap'
import { build, FakeClock, storeReady, type TestApp } from '../helpers/build.js'
import { es256Tenant, keyList, type KeyListEntry } from '../helpers/key-lifecycle.js'
import { startRedis, uniquePrefix } from '../helpers/redis-server.js'
import { createTenant } from '../helpers/tenants.js'
import { MemoryStore } from '../../src/store/memory-store.js'

const SECOND = 1000

/** Versions the scheduler made (every key but the tenant's first), oldest first, with their period on the rotation grid. */
async function scheduledVersions (app: TestApp, tenant: string, firstKid: string, anchor: number, everyMs: number): Promise<Array<KeyListEntry & { period: number, activate: number, publish: number }>> {
  return Object.values(await keyList(app.app, tenant))
    .filter(key => key.kid !== firstKid)
    .map(key => {
      const activate = Date.parse(key.activateAt)
      return { ...key, activate, publish: Date.parse(key.publishAt), period: Math.floor((activate - anchor) / everyMs) }
    })
    .sort((a, b) => a.activate - b.activate)
}

t.test('three instances on one Redis rotate once per period for 20 s, on the grid', async t => {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const apps: TestApp[] = []
  for (let i = 0; i < 3; i++) {
    apps.push(await build(t, { redisUrl: redis.url, prefix, scheduler: true, env: { ROTATION_TICK_MS: '200', ROTATION_MIN_PERIOD: '1' } }))
  }
  await Promise.all(apps.map(async ({ app }) => await storeReady(app)))
  const [a, b, c] = apps
  const tenant = await createTenant(a.app, es256Tenant('periodic'))
  const firstKid = tenant.body.activeKid as string
  const EVERY = 2
  const PREPUBLISH = 1

  const set = await b.admin('PUT', `/v1/admin/tenants/${tenant.id}/rotation`, { every: EVERY, prepublish: PREPUBLISH })
  t.equal(set.statusCode, 200, set.body)
  t.equal(set.json().warnings.length, 1, 'a 1 s prepublish is under the JWKS max-age: warned')
  const anchor = Date.parse(set.json().rotation.since)

  // This test is about real time passing on three independent tickers: ten periods of 2 s.
  await new Promise(resolve => setTimeout(resolve, anchor + 10 * EVERY * SECOND + 500 - Date.now()))
  const stoppedAt = Date.now()
  t.equal((await c.admin('DELETE', `/v1/admin/tenants/${tenant.id}/rotation`)).statusCode, 204)

  const versions = await scheduledVersions(a, tenant.id, firstKid, anchor, EVERY * SECOND)
  // Period k is due (its key created, PREPUBLISH before it activates) at anchor + k * EVERY - PREPUBLISH.
  const due = Math.floor((stoppedAt - anchor + PREPUBLISH * SECOND) / (EVERY * SECOND))
  t.ok(Math.abs(versions.length - due) <= 1, `${versions.length} versions for ${due} periods due (±1 at the boundary)`)
  t.ok(versions.length >= 9, `at least nine versions in 20 s (${versions.length})`)
  t.same(versions.map(v => v.period), versions.map((_, i) => i + 1), 'periods 1..n: no duplicate, no gap')

  // On the grid: activateAt = anchor + k * EVERY exactly, published PREPUBLISH before. A tick that came more than
  // two ticks late makes a catch-up instead: published at once, active PREPUBLISH later, still inside its period.
  const offGrid = versions.filter(v => v.activate !== anchor + v.period * EVERY * SECOND)
  for (const v of versions) t.equal(v.activate - v.publish, PREPUBLISH * SECOND, `period ${v.period}: published ${PREPUBLISH} s before it activates`)
  for (const v of offGrid) {
    t.ok(v.activate > anchor + v.period * EVERY * SECOND && v.activate < anchor + (v.period + 1) * EVERY * SECOND, `catch-up of period ${v.period} stays inside its period`)
  }
  if (offGrid.length > 0) t.comment(`catch-up versions (late ticks): periods ${offGrid.map(v => v.period).join(', ')}`)
  const gaps = versions.slice(1).map((v, i) => v.activate - versions[i].activate)
  t.same(gaps.filter((gap, i) => gap !== EVERY * SECOND && offGrid.every(o => o !== versions[i] && o !== versions[i + 1])), [],
    'consecutive on-grid versions activate exactly 2 s apart')

  const audit = (await a.admin('GET', `/v1/admin/audit?tenant=${tenant.id}&limit=1000`)).json().items as Array<{ actor: string, action: string, kid?: string }>
  const byScheduler = audit.filter(entry => entry.actor === 'scheduler')
  t.same(byScheduler.map(entry => entry.kid).sort(), versions.map(v => v.kid).sort(), 'one audit record per version, by the scheduler')
  t.ok(byScheduler.every(entry => entry.action === 'key.rotate'))

  const states = versions.map(v => v.state)
  t.equal(states.filter(state => state === 'active').length, 1, 'exactly one active version')
  const probe = new Redis(redis.url)
  t.teardown(() => probe.disconnect())
  t.equal(await probe.zscore(`${prefix}rotation-due`, tenant.id), null, 'stopping removes the tenant from the due-index')
})

t.test('catch-up: ten periods missed give one version, not ten', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock })
  const scheduler = app.tokenmint.scheduler
  const tenant = await createTenant(app, es256Tenant('catch-up'))
  const firstKid = tenant.body.activeKid as string
  const EVERY = 3600 * SECOND
  const PREPUBLISH = 300 * SECOND
  t.equal((await admin('PUT', `/v1/admin/tenants/${tenant.id}/rotation`, { every: 3600, prepublish: 300 })).statusCode, 200)
  const anchor = clock.now
  const versions = async () => await scheduledVersions({ app } as TestApp, tenant.id, firstKid, anchor, EVERY)

  t.equal(await scheduler.tick(), 0, 'nothing due at the start')
  clock.now = anchor + EVERY - PREPUBLISH - 1
  t.equal(await scheduler.tick(), 0, 'nothing due 1 ms before the first period\'s key is due')
  clock.now = anchor + EVERY - PREPUBLISH
  t.equal(await scheduler.tick(), 1, 'the first period\'s key is made when due')
  t.equal(await scheduler.tick(), 0, 'and only once')
  let made = await versions()
  t.same(made.map(v => ({ period: v.period, activate: v.activate, publish: v.publish, state: v.state, published: v.published })),
    [{ period: 1, activate: anchor + EVERY, publish: anchor + EVERY - PREPUBLISH, state: 'pending', published: true }])

  // Everything was down for ten and a half periods.
  clock.now += 10.5 * EVERY
  t.equal(await scheduler.tick(), 1, 'one catch-up version')
  t.equal(await scheduler.tick(), 0)
  made = await versions()
  t.equal(made.length, 2, 'not ten')
  const catchUp = made[1]
  t.equal(catchUp.publish, clock.now, 'the catch-up version is published at once')
  t.equal(catchUp.activate, clock.now + PREPUBLISH, 'and activates after the full prepublish')
  t.equal(catchUp.period, 11)

  // Back on the grid from the next period.
  clock.now = anchor + 12 * EVERY - PREPUBLISH - 1
  t.equal(await scheduler.tick(), 0)
  clock.now += 1
  t.equal(await scheduler.tick(), 1)
  made = await versions()
  t.same(made.map(v => v.period), [1, 11, 12])
  t.equal(made[2].activate, anchor + 12 * EVERY, 'the next version is on the grid again')
})

t.test('two instances ticking the same due tenant on one store make one version', async t => {
  const clock = new FakeClock()
  const store = new MemoryStore()
  const a = await build(t, { clock, sharedStore: store, env: { ROTATION_MIN_PERIOD: '60' } })
  const b = await build(t, { clock, sharedStore: store, env: { ROTATION_MIN_PERIOD: '60' } })
  const tenant = await createTenant(a.app, es256Tenant('contended'))
  t.equal((await a.admin('PUT', `/v1/admin/tenants/${tenant.id}/rotation`, { every: 60, prepublish: 0 })).statusCode, 200)
  clock.advance(60 * SECOND)
  const made = await Promise.all([a.app.tokenmint.scheduler.tick(), b.app.tokenmint.scheduler.tick()])
  t.equal(made.reduce((sum, n) => sum + n, 0), 1, `one version between them (${made.join(', ')})`)
  t.equal(Object.keys(await keyList(b.app, tenant.id)).length, 2)
})

t.test('a tenant deleted or whose rotation was cleared leaves the due-index', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock, env: { ROTATION_MIN_PERIOD: '60' } })
  await createTenant(app, es256Tenant('cleared'))
  await createTenant(app, es256Tenant('deleted'))
  for (const id of ['cleared', 'deleted']) t.equal((await admin('PUT', `/v1/admin/tenants/${id}/rotation`, { every: 60, prepublish: 0 })).statusCode, 200)
  t.equal((await admin('DELETE', '/v1/admin/tenants/cleared/rotation')).statusCode, 204)
  t.equal((await admin('DELETE', '/v1/admin/tenants/deleted')).statusCode, 204)
  clock.advance(3600 * SECOND)
  t.same(await app.tokenmint.store.listDueRotations(clock.now, 10), [])
  t.equal(await app.tokenmint.scheduler.tick(), 0)
  t.equal(Object.keys(await keyList(app, 'cleared')).length, 1)
})

t.test('periodic rotation prunes retired keys beyond KEYRING_MAX_RETIRED, audited as the scheduler', async t => {
  const clock = new FakeClock()
  const { app, admin } = await build(t, { clock, env: { KEYRING_MAX_RETIRED: '1' } })
  const scheduler = app.tokenmint.scheduler
  // 600 s tokens, no skew: a superseded key retires 600 + 0 + 300 s after the handover, well within one period.
  const tenant = await createTenant(app, es256Tenant('pruned-periodic'))
  t.equal((await admin('PUT', `/v1/admin/tenants/${tenant.id}/rotation`, { every: 3600, prepublish: 0 })).statusCode, 200)
  for (let period = 1; period <= 5; period++) {
    clock.advance(3600 * SECOND)
    t.equal(await scheduler.tick(), 1, `period ${period} rotated`)
  }
  const keys = Object.values(await keyList(app, tenant.id))
  // At each due time the new key activates at once, so the one it supersedes is retiring, not yet retired.
  t.same(keys.map(key => key.state).sort(), ['active', 'retired', 'retiring'], 'one retired key kept, the older ones destroyed')
  const log = (await admin('GET', `/v1/admin/audit?tenant=${tenant.id}`)).json().items as Array<{ action: string, actor: string, kid: string }>
  const destroyed = log.filter(entry => entry.action === 'key.destroy')
  t.equal(destroyed.length, 3, 'six keys made; the active, the retiring and one retired kept: three destroyed')
  t.ok(destroyed.every(entry => entry.actor === 'scheduler'))
  t.notOk(destroyed.some(entry => keys.some(key => key.kid === entry.kid)), 'each destroyed kid is gone from the keyring')
})
