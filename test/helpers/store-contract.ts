// The Store contract: one suite that every store implementation must pass.
import type { Test } from 'tap'
import type { CredentialRecord } from '../../src/access/credentials.js'
import type { SessionRecord } from '../../src/access/sessions.js'
import type { RateCount, RateCounter } from '../../src/store/rate-counter.js'
import type { Store } from '../../src/store/store.js'
import type { ApiKeyRecord, AuditEntry, KeyVersion, Tenant } from '../../src/types.js'
import { verifierStoreContract } from './verifier-store-contract.js'
import { eventStoreContract } from './event-store-contract.js'

export interface StoreFixture {
  store: Store
  /** Another store on the same data, as a second instance would open it (a MemoryStore has none: itself then). */
  peer?: () => Promise<Store>
}

const T0 = 1_700_000_000_000

export function tenantFixture (id: string, name = `Tenant ${id}`): Tenant {
  return {
    id,
    name,
    profile: 'custom',
    profileOptions: { audience: 'chat' },
    alg: 'ES256',
    tokenPolicy: { defaultTtl: 300, minTtl: 60, maxTtl: 3600, clockSkew: 30 },
    rateLimit: { max: 100, timeWindow: '1 minute' },
    createdAt: T0,
    updatedAt: T0
  }
}

export function keyFixture (kid: string, at = T0): KeyVersion {
  return {
    kid,
    alg: 'ES256',
    source: 'generated',
    createdAt: at,
    publishAt: at,
    activateAt: at,
    publicJwk: { kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}`, kid, alg: 'ES256', use: 'sig' },
    sealed: { mk: 'mk-1', dk: `dk-${kid}`, ct: `sealed-material-of-${kid}` }
  }
}

export function apiKeyFixture (tenant: string, id: string, createdAt = T0): ApiKeyRecord {
  return { id, tenant, name: `key ${id}`, hash: 'ab'.repeat(32), createdAt }
}

export function auditFixture (action: string, tenant: string, at = T0, kid?: string): AuditEntry {
  return { at, actor: 'admin', action, tenant, ...(kid === undefined ? {} : { kid }), ip: '127.0.0.1' }
}

/** Resolves with the first change notice that matches. */
export async function changeNotice (store: Store, matches: (tenantId: string, version: number) => boolean): Promise<[string, number]> {
  return await new Promise(resolve => {
    const off = store.onChange((tenantId, version) => {
      if (!matches(tenantId, version)) return
      off()
      resolve([tenantId, version])
    })
  })
}

/** One increment as a promise. */
export async function rateCount (counter: RateCounter, key: string, windowMs: number): Promise<RateCount> {
  return await new Promise(resolve => { counter.increment(key, windowMs, (_err, count) => { resolve(count) }) })
}

export function storeContract (t: Test, makeStore: () => Promise<StoreFixture>): void {
  async function open (t: Test): Promise<Store> {
    const { store } = await makeStore()
    t.teardown(async () => { await store.close() })
    return store
  }

  t.test('createTenant and getSnapshot', async t => {
    const store = await open(t)
    const tenant = tenantFixture('acme')
    const key = keyFixture('k1')
    const version = await store.createTenant(tenant, key, auditFixture('tenant.create', 'acme'))
    t.ok(version >= 1, 'a created tenant has a version')

    const snapshot = await store.getSnapshot('acme')
    t.same(snapshot, { tenant, keys: [key], apiKeys: [], version })
    t.equal(await store.getSnapshot('nobody'), undefined, 'an unknown tenant has no snapshot')

    await t.rejects(store.createTenant(tenantFixture('acme', 'other'), undefined, auditFixture('tenant.create', 'acme')), { code: 'TENANT_EXISTS' })
    t.equal((await store.getSnapshot('acme'))?.tenant.name, 'Tenant acme', 'a refused create changes nothing')

    await store.createTenant(tenantFixture('bare'), undefined, auditFixture('tenant.create', 'bare'))
    t.same((await store.getSnapshot('bare'))?.keys, [], 'a tenant may start without a key')

    // Records are copies both ways.
    tenant.name = 'changed by the caller'
    if (snapshot !== undefined) snapshot.keys[0].kid = 'changed'
    const again = await store.getSnapshot('acme')
    t.equal(again?.tenant.name, 'Tenant acme')
    t.equal(again?.keys[0].kid, 'k1')
  })

  t.test('getVersion follows every write, a deletion included', async t => {
    const store = await open(t)
    t.equal(await store.getVersion('acme'), undefined, 'a tenant that never existed has no version')
    const created = await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
    t.equal(await store.getVersion('acme'), created)
    await store.putApiKey(apiKeyFixture('acme', 'ak1'), auditFixture('apikey.create', 'acme'))
    const afterKey = await store.getVersion('acme')
    t.equal(afterKey, (await store.getSnapshot('acme'))?.version, 'the snapshot carries the same version')
    t.ok((afterKey ?? 0) > created, 'an API key write moves it')
    await store.deleteTenant('acme', auditFixture('tenant.delete', 'acme'))
    t.ok((await store.getVersion('acme') ?? 0) > (afterKey ?? 0), 'a deletion moves it, so a cached copy is seen to be gone')
  })

  t.test('listTenants pages by id with an opaque cursor', async t => {
    const store = await open(t)
    t.same(await store.listTenants({ limit: 10 }), { items: [], nextCursor: null }, 'empty store')
    for (const id of ['carol', 'alice', 'erin', 'bob', 'dave']) {
      await store.createTenant(tenantFixture(id), undefined, auditFixture('tenant.create', id))
    }
    const first = await store.listTenants({ limit: 2 })
    t.same(first.items.map(item => item.id), ['alice', 'bob'])
    t.type(first.nextCursor, 'string')
    const second = await store.listTenants({ limit: 2, cursor: first.nextCursor ?? undefined })
    t.same(second.items.map(item => item.id), ['carol', 'dave'])
    const third = await store.listTenants({ limit: 2, cursor: second.nextCursor ?? undefined })
    t.same(third.items.map(item => item.id), ['erin'])
    t.equal(third.nextCursor, null, 'the last page has no cursor')
    t.same(third.items[0], tenantFixture('erin'), 'items are whole tenants')

    const exact = await store.listTenants({ limit: 5 })
    t.equal(exact.items.length, 5)
    t.equal(exact.nextCursor, null, 'a page that ends exactly at the last tenant has no cursor')

    await store.deleteTenant('bob', auditFixture('tenant.delete', 'bob'))
    t.same((await store.listTenants({ limit: 10 })).items.map(item => item.id), ['alice', 'carol', 'dave', 'erin'], 'a deleted tenant is not listed')

    await t.rejects(store.listTenants({ limit: 2, cursor: 'not a cursor!' }), { code: 'VALIDATION_FAILED' })
  })

  t.test('updateTenant replaces the record only at the expected version', async t => {
    const store = await open(t)
    const v1 = await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
    const v2 = await store.updateTenant(tenantFixture('acme', 'Renamed'), v1, auditFixture('tenant.update', 'acme'))
    t.ok(v2 > v1, 'the version moves forward')
    const snapshot = await store.getSnapshot('acme')
    t.equal(snapshot?.tenant.name, 'Renamed')
    t.equal(snapshot?.version, v2)

    await t.rejects(store.updateTenant(tenantFixture('acme', 'Stale'), v1, auditFixture('tenant.update', 'acme')), { code: 'CONFLICT' })
    const after = await store.getSnapshot('acme')
    t.equal(after?.tenant.name, 'Renamed', 'a conflicting update changes nothing')
    t.equal(after?.version, v2, 'a conflicting update does not bump the version')
    t.same((await store.listAudit({ tenant: 'acme', limit: 10 })).items.map(entry => entry.action), ['tenant.update', 'tenant.create'], 'a conflicting update is not audited')

    await t.rejects(store.updateTenant(tenantFixture('ghost'), 1, auditFixture('tenant.update', 'ghost')), { code: 'TENANT_NOT_FOUND' })
  })

  t.test('deleteTenant removes keys and API keys and keeps the audit log', async t => {
    const store = await open(t)
    const v1 = await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme', T0))
    await store.putApiKey(apiKeyFixture('acme', 'ak1'), auditFixture('apikey.create', 'acme', T0 + 1))
    await store.setRotationDue('acme', T0)
    await store.deleteTenant('acme', auditFixture('tenant.delete', 'acme', T0 + 2))

    t.equal(await store.getSnapshot('acme'), undefined, 'the tenant is gone')
    t.equal(await store.getApiKey('acme', 'ak1'), undefined, 'its API keys are gone')
    t.same(await store.listDueRotations(T0 + 10, 10), [], 'its rotation schedule is gone')
    t.same((await store.listAudit({ tenant: 'acme', limit: 10 })).items.map(entry => entry.action),
      ['tenant.delete', 'apikey.create', 'tenant.create'], 'its audit log stays')
    await t.rejects(store.deleteTenant('acme', auditFixture('tenant.delete', 'acme')), { code: 'TENANT_NOT_FOUND' })

    const recreated = await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
    const snapshot = await store.getSnapshot('acme')
    t.same(snapshot?.keys, [], 'a re-created tenant does not inherit keys')
    t.same(snapshot?.apiKeys, [], 'a re-created tenant does not inherit API keys')
    t.ok(recreated > v1 + 2, 'a re-created tenant never reuses a version')
  })

  t.test('appendKey keeps the order of the keyring and refuses a taken kid', async t => {
    const store = await open(t)
    await store.createTenant(tenantFixture('acme'), keyFixture('m'), auditFixture('tenant.create', 'acme'))
    // Same timestamps on purpose: only the order of appending tells them apart.
    await store.appendKey('acme', keyFixture('z'), auditFixture('key.rotate', 'acme', T0, 'z'))
    await store.appendKey('acme', keyFixture('a'), auditFixture('key.rotate', 'acme', T0, 'a'))
    t.same((await store.getSnapshot('acme'))?.keys.map(key => key.kid), ['m', 'z', 'a'])
    t.same((await store.getSnapshot('acme'))?.keys[1], keyFixture('z'), 'keys come back as they were given')

    const before = await store.getSnapshot('acme')
    await t.rejects(store.appendKey('acme', keyFixture('z', T0 + 5), auditFixture('key.rotate', 'acme')), { code: 'KID_EXISTS' })
    t.same(await store.getSnapshot('acme'), before, 'a refused append changes nothing')
    await t.rejects(store.appendKey('ghost', keyFixture('k'), auditFixture('key.rotate', 'ghost')), { code: 'TENANT_NOT_FOUND' })
  })

  t.test('appendKey with a once-marker appends exactly once', async t => {
    const store = await open(t)
    await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
    const options = { once: 'rotation:42', onceTtlMs: 60_000 }
    t.equal(await store.appendKey('acme', keyFixture('p1'), auditFixture('key.rotate', 'acme'), options), true, 'the first claim appends')
    const before = await store.getSnapshot('acme')
    t.equal(await store.appendKey('acme', keyFixture('p2'), auditFixture('key.rotate', 'acme'), options), false, 'a second claim does not')
    t.same(await store.getSnapshot('acme'), before, 'nothing was written, not even the version')
    t.same((await store.listAudit({ tenant: 'acme', limit: 10 })).items.map(entry => entry.action), ['key.rotate', 'tenant.create'], 'nor audited')

    // Racing claims: one wins.
    const race = await Promise.all(['r1', 'r2', 'r3'].map(async kid =>
      await store.appendKey('acme', keyFixture(kid), auditFixture('key.rotate', 'acme'), { once: 'rotation:43', onceTtlMs: 60_000 })))
    t.equal(race.filter(Boolean).length, 1, 'exactly one racing claim wins')
    t.same((await store.getSnapshot('acme'))?.keys.map(key => key.kid).filter(kid => kid.startsWith('r')).length, 1, 'exactly one racing key is stored')

    t.equal(await store.appendKey('acme', keyFixture('plain'), auditFixture('key.rotate', 'acme')), true, 'without a marker appendKey always appends')
  })

  t.test('appendKey can revoke a key in the same atomic step (emergency rotation)', async t => {
    const store = await open(t)
    const v1 = await store.createTenant(tenantFixture('acme'), keyFixture('old'), auditFixture('tenant.create', 'acme'))
    const appended = await store.appendKey('acme', keyFixture('new', T0 + 10), auditFixture('key.rotate', 'acme', T0 + 10, 'new'), {
      revoke: { kid: 'old', revokedAt: T0 + 10, audit: auditFixture('key.revoke', 'acme', T0 + 10, 'old') }
    })
    t.equal(appended, true)
    const snapshot = await store.getSnapshot('acme')
    t.equal(snapshot?.version, v1 + 1, 'one write, one version')
    t.same(snapshot?.keys.map(key => [key.kid, key.revokedAt]), [['old', T0 + 10], ['new', undefined]], 'the new key is appended and the old one revoked')
    t.same({ ...snapshot?.keys[0], revokedAt: undefined }, { ...keyFixture('old'), revokedAt: undefined }, 'the rest of the revoked key is untouched')
    t.same((await store.listAudit({ tenant: 'acme', limit: 10 })).items.map(entry => [entry.action, entry.kid]),
      [['key.revoke', 'old'], ['key.rotate', 'new'], ['tenant.create', undefined]], 'both audited in the same step')

    // A key already revoked keeps its first revokedAt and gets no second entry; a missing one writes nothing at all.
    await store.appendKey('acme', keyFixture('newer', T0 + 20), auditFixture('key.rotate', 'acme', T0 + 20, 'newer'), {
      revoke: { kid: 'old', revokedAt: T0 + 20, audit: auditFixture('key.revoke', 'acme', T0 + 20, 'old') }
    })
    t.equal((await store.getSnapshot('acme'))?.keys[0].revokedAt, T0 + 10)
    t.equal((await store.listAudit({ tenant: 'acme', limit: 10 })).items.filter(entry => entry.action === 'key.revoke').length, 1)
    const before = await store.getSnapshot('acme')
    await t.rejects(store.appendKey('acme', keyFixture('orphan', T0 + 30), auditFixture('key.rotate', 'acme'), {
      revoke: { kid: 'nope', revokedAt: T0 + 30, audit: auditFixture('key.revoke', 'acme', T0 + 30, 'nope') }
    }), { code: 'KEY_NOT_FOUND' })
    t.same(await store.getSnapshot('acme'), before, 'a revocation of a missing key appends nothing')
  })

  t.test('appendKey can destroy keys, material included, in the same atomic step', async t => {
    const store = await open(t)
    await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
    await store.appendKey('acme', keyFixture('k2', T0 + 1), auditFixture('key.rotate', 'acme', T0 + 1, 'k2'))
    const v = (await store.getSnapshot('acme'))?.version ?? 0
    await store.appendKey('acme', keyFixture('k3', T0 + 2), auditFixture('key.rotate', 'acme', T0 + 2, 'k3'), {
      destroy: [{ kid: 'k1', audit: auditFixture('key.destroy', 'acme', T0 + 2, 'k1') }, { kid: 'gone', audit: auditFixture('key.destroy', 'acme', T0 + 2, 'gone') }]
    })
    const snapshot = await store.getSnapshot('acme')
    t.equal(snapshot?.version, v + 1, 'one write, one version')
    t.same(snapshot?.keys.map(key => key.kid), ['k2', 'k3'], 'k1 is gone, material included; the keyring order holds')
    t.same((await store.listAudit({ tenant: 'acme', limit: 3 })).items.map(entry => [entry.action, entry.kid]),
      [['key.destroy', 'k1'], ['key.rotate', 'k3'], ['key.rotate', 'k2']], 'each destroyed key audited; a kid already gone is not')
    // Positions keep growing after a deletion: the next key still sorts last.
    await store.appendKey('acme', keyFixture('k4', T0 + 2), auditFixture('key.rotate', 'acme', T0 + 3, 'k4'))
    t.same((await store.getSnapshot('acme'))?.keys.map(key => key.kid), ['k2', 'k3', 'k4'])
  })

  t.test('revokeKey sets revokedAt once', async t => {
    const store = await open(t)
    await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme'))
    t.equal(await store.revokeKey('acme', 'k1', T0 + 5000, auditFixture('key.revoke', 'acme', T0, 'k1')), T0 + 5000)
    const revoked = await store.getSnapshot('acme')
    t.equal(revoked?.keys[0].revokedAt, T0 + 5000)
    t.same({ ...revoked?.keys[0], revokedAt: undefined }, { ...keyFixture('k1'), revokedAt: undefined }, 'the rest of the key is untouched')

    t.equal(await store.revokeKey('acme', 'k1', T0 + 9000, auditFixture('key.revoke', 'acme', T0, 'k1')), T0 + 5000, 'revoking again keeps the first time')
    t.same(await store.getSnapshot('acme'), revoked, 'revoking again writes nothing')

    await t.rejects(store.revokeKey('acme', 'nope', T0, auditFixture('key.revoke', 'acme')), { code: 'KEY_NOT_FOUND' })
    await t.rejects(store.revokeKey('ghost', 'k1', T0, auditFixture('key.revoke', 'ghost')), { code: 'TENANT_NOT_FOUND' })
    await t.rejects(store.revokeKey('acme', 'k1', 1.5, auditFixture('key.revoke', 'acme')), { code: 'VALIDATION_FAILED' }, 'revokedAt is whole milliseconds')
  })

  t.test('API keys: put, get, delete', async t => {
    const store = await open(t)
    await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme'))
    const second = apiKeyFixture('acme', 'ak2', T0 + 10)
    const first = apiKeyFixture('acme', 'ak1', T0)
    await store.putApiKey(second, auditFixture('apikey.create', 'acme'))
    await store.putApiKey(first, auditFixture('apikey.create', 'acme'))
    t.same(await store.getApiKey('acme', 'ak1'), first)
    t.equal(await store.getApiKey('acme', 'nope'), undefined)
    t.equal(await store.getApiKey('ghost', 'ak1'), undefined)
    t.same((await store.getSnapshot('acme'))?.apiKeys, [first, second], 'the snapshot holds them, oldest first')

    await store.deleteApiKey('acme', 'ak1', auditFixture('apikey.delete', 'acme'))
    t.equal(await store.getApiKey('acme', 'ak1'), undefined)
    t.same((await store.getSnapshot('acme'))?.apiKeys, [second])
    await t.rejects(store.deleteApiKey('acme', 'ak1', auditFixture('apikey.delete', 'acme')), { code: 'API_KEY_NOT_FOUND' })
    await t.rejects(store.deleteApiKey('ghost', 'ak1', auditFixture('apikey.delete', 'ghost')), { code: 'TENANT_NOT_FOUND' })
    await t.rejects(store.putApiKey(apiKeyFixture('ghost', 'ak1'), auditFixture('apikey.create', 'ghost')), { code: 'TENANT_NOT_FOUND' })
  })

  t.test('audit log: newest first, per tenant or across tenants', async t => {
    const store = await open(t)
    const version = await store.createTenant(tenantFixture('acme'), undefined, auditFixture('tenant.create', 'acme', T0))
    await store.appendAudit(auditFixture('token.policy.read', 'acme', T0 + 10))
    await store.appendAudit(auditFixture('key.export', 'beta', T0 + 20, 'k9'))
    await store.appendAudit(auditFixture('tenant.read', 'acme', T0 + 30))

    t.same((await store.listAudit({ tenant: 'acme', limit: 10 })).items, [
      auditFixture('tenant.read', 'acme', T0 + 30),
      auditFixture('token.policy.read', 'acme', T0 + 10),
      auditFixture('tenant.create', 'acme', T0)
    ], 'one tenant, newest first')
    t.same(await store.listAudit({ limit: 10 }), {
      items: [
        auditFixture('tenant.read', 'acme', T0 + 30),
        auditFixture('key.export', 'beta', T0 + 20, 'k9'),
        auditFixture('token.policy.read', 'acme', T0 + 10),
        auditFixture('tenant.create', 'acme', T0)
      ],
      nextCursor: null
    }, 'all tenants merged, newest first')
    t.same((await store.listAudit({ limit: 2 })).items.map(entry => entry.action), ['tenant.read', 'key.export'], 'limit keeps the newest')
    t.same((await store.listAudit({ tenant: 'acme', limit: 1 })).items.map(entry => entry.action), ['tenant.read'])
    t.same(await store.listAudit({ tenant: 'nobody', limit: 10 }), { items: [], nextCursor: null })
    t.notOk('kid' in (await store.listAudit({ tenant: 'acme', limit: 1 })).items[0], 'no kid when none was given')
    t.equal((await store.getSnapshot('acme'))?.version, version, 'appendAudit alone does not bump the version')
  })

  t.test('audit log pages: a cursor walks every entry once, across tenants and hours, since bounds it', async t => {
    const store = await open(t)
    const HOUR = 3_600_000
    const written: AuditEntry[] = []
    // 3 tenants, 40 entries over ~30 hours (more than one batch of hours), with equal times inside and across tenants.
    for (let i = 0; i < 40; i++) {
      const entry = auditFixture(`action.${i}`, ['alpha', 'beta', 'gamma'][i % 3], T0 + Math.floor(i / 2) * 0.75 * HOUR + (i % 2 === 0 ? 0 : 1))
      written.push(entry)
      await store.appendAudit(entry)
    }
    await store.appendAudit(auditFixture('same.instant', 'alpha', T0 + 19 * 0.75 * HOUR + 1))
    const all = (await store.listAudit({ limit: 1000 })).items
    t.equal(all.length, 41)
    for (let i = 1; i < all.length; i++) t.ok(all[i - 1].at >= all[i].at, `newest first at ${i}`)
    for (const limit of [1, 2, 7]) {
      const walked: AuditEntry[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = await store.listAudit({ limit, cursor })
        t.ok(page.items.length <= limit)
        walked.push(...page.items)
        cursor = page.nextCursor ?? undefined
        pages++
      } while (cursor !== undefined && pages < 100)
      t.same(walked, all, `pages of ${limit} give every entry once, in order`)
    }
    const alpha = (await store.listAudit({ tenant: 'alpha', limit: 1000 })).items
    const first = await store.listAudit({ tenant: 'alpha', limit: 3 })
    const second = await store.listAudit({ tenant: 'alpha', limit: 100, cursor: first.nextCursor ?? undefined })
    t.same([...first.items, ...second.items], alpha, 'one tenant pages the same way')
    t.equal(second.nextCursor, null)
    const since = T0 + 10 * 0.75 * HOUR
    t.same((await store.listAudit({ limit: 1000, since })).items, all.filter(entry => entry.at >= since), 'since drops older entries')
    await t.rejects(store.listAudit({ limit: 10, cursor: 'not-a-cursor' }), { code: 'VALIDATION_FAILED' })
  })

  t.test('audit entries older than the retention (365 days) are trimmed when the log is written again', async t => {
    const store = await open(t)
    const DAY = 86_400_000
    await store.appendAudit(auditFixture('old', 'acme', T0))
    await store.appendAudit(auditFixture('recent', 'acme', T0 + 300 * DAY))
    t.same((await store.listAudit({ tenant: 'acme', limit: 10 })).items.map(entry => entry.action), ['recent', 'old'], 'within the retention both stay')
    await store.appendAudit(auditFixture('later', 'acme', T0 + 366 * DAY))
    t.same((await store.listAudit({ tenant: 'acme', limit: 10 })).items.map(entry => entry.action), ['later', 'recent'], 'the entry past the retention is gone')
    t.same((await store.listAudit({ limit: 10 })).items.map(entry => entry.action), ['later', 'recent'], 'from the merged log too')
  })

  t.test('rotation due index', async t => {
    const store = await open(t)
    await store.setRotationDue('a', T0 + 1000)
    await store.setRotationDue('c', T0 + 3000)
    await store.setRotationDue('b', T0 + 2000)
    t.same(await store.listDueRotations(T0 + 2000, 10), ['a', 'b'], 'due at or before now, earliest first')
    t.same(await store.listDueRotations(T0 + 2000, 1), ['a'], 'at most limit')
    t.same(await store.listDueRotations(T0, 10), [], 'nothing due yet')
    await store.setRotationDue('b', null)
    t.same(await store.listDueRotations(T0 + 5000, 10), ['a', 'c'], 'null clears')
    await store.setRotationDue('a', T0 + 4000)
    t.same(await store.listDueRotations(T0 + 3000, 10), ['c'], 'a new time replaces the old one')
  })

  t.test('every write bumps the version and is announced through onChange', async t => {
    const store = await open(t)
    const heard: number[] = []
    store.onChange((tenantId, version) => { if (tenantId === 'acme') heard.push(version) })
    const dropped: number[] = []
    const unsubscribe = store.onChange((tenantId, version) => { if (tenantId === 'acme') dropped.push(version) })

    const versions: number[] = []
    const current = async (): Promise<number> => (await store.getSnapshot('acme'))?.version ?? -1
    const created = changeNotice(store, tenantId => tenantId === 'acme')
    versions.push(await store.createTenant(tenantFixture('acme'), keyFixture('k1'), auditFixture('tenant.create', 'acme')))
    t.same(await created, ['acme', versions[0]], 'the create is announced with its version')
    t.same(dropped, [versions[0]])
    unsubscribe()

    versions.push(await store.updateTenant(tenantFixture('acme', 'Renamed'), versions[0], auditFixture('tenant.update', 'acme')))
    await store.appendKey('acme', keyFixture('k2'), auditFixture('key.rotate', 'acme'))
    versions.push(await current())
    await store.revokeKey('acme', 'k1', T0, auditFixture('key.revoke', 'acme'))
    versions.push(await current())
    await store.putApiKey(apiKeyFixture('acme', 'ak1'), auditFixture('apikey.create', 'acme'))
    versions.push(await current())
    await store.deleteApiKey('acme', 'ak1', auditFixture('apikey.delete', 'acme'))
    versions.push(await current())
    const last = changeNotice(store, (tenantId, version) => tenantId === 'acme' && version > versions[versions.length - 1])
    await store.deleteTenant('acme', auditFixture('tenant.delete', 'acme'))
    const [, deletedVersion] = await last
    versions.push(deletedVersion)

    for (let i = 1; i < versions.length; i++) t.ok(versions[i] > versions[i - 1], `write ${i} bumped the version`)
    t.same(heard, versions, 'every write was announced, in order, with its version')
    t.same(dropped, [versions[0]], 'an unsubscribed listener hears nothing more')
  })

  t.test('rate counter: concurrent counts of two instances get every number from 1 to n once, in one window', async t => {
    const { store, peer } = await makeStore()
    const other = peer === undefined ? store : await peer()
    t.teardown(async () => { await Promise.all([store.close(), other.close()]) })
    const errors: Error[] = []
    const options = { nameSpace: 'rl:', onError: (err: Error) => { errors.push(err) } }
    const a = store.openRateCounter(options)
    const b = other.openRateCounter(options)

    const results = await Promise.all(Array.from({ length: 100 }, async (_, i) => await rateCount(i % 2 === 0 ? a : b, 'tenant-a', 60_000)))
    t.same(results.map(r => r.current).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i + 1))
    t.ok(results.every(r => r.ttl > 0 && r.ttl <= 60_000), 'every answer carries the window left')

    const apart = await Promise.all([rateCount(a, 'tenant-b', 60_000), rateCount(a, 'tenant-b', 60_000), rateCount(b, 'tenant-a', 60_000)])
    t.same(apart.map(r => r.current), [1, 2, 101], 'keys are counted apart')
    const elsewhere = store.openRateCounter({ ...options, nameSpace: 'other:' })
    t.equal((await rateCount(elsewhere, 'tenant-a', 60_000)).current, 1, 'namespaces are counted apart')
    t.same(errors, [])
  })

  t.test('rate counter: many keys in one turn, in two windows, some asked several times', async t => {
    const store = await open(t)
    const errors: Error[] = []
    const counter = store.openRateCounter({ nameSpace: 'rl:', onError: err => { errors.push(err) } })

    // More keys in one turn than one Redis script call takes: 1200 keys, the even ones asked twice, in two windows.
    const keys = Array.from({ length: 1200 }, (_, i) => `many-${i}`)
    const many = await Promise.all(keys.flatMap((key, i) => i % 2 === 0
      ? [rateCount(counter, key, 30_000), rateCount(counter, key, 30_000)]
      : [rateCount(counter, key, 90_000)]))
    let at = 0
    let wrong = 0
    keys.forEach((_key, i) => {
      if (i % 2 === 0) {
        if (many[at].current !== 1 || many[at + 1].current !== 2 || !(many[at].ttl > 0 && many[at].ttl <= 30_000)) wrong++
        at += 2
      } else {
        if (many[at].current !== 1 || !(many[at].ttl > 30_000 && many[at].ttl <= 90_000)) wrong++
        at += 1
      }
    })
    t.equal(wrong, 0, 'each key counts its own requests, in its own window')
    t.equal((await rateCount(counter, 'many-1198', 30_000)).current, 3, 'and goes on counting in the next turn')

    // One window, keys asked once and keys asked several times mixed in arrival order.
    const mixed = ['mix-0', 'mix-1', 'mix-2', 'mix-1', 'mix-3', 'mix-1', 'mix-3', 'mix-4']
    const mixedResults = await Promise.all(mixed.map(async key => await rateCount(counter, key, 45_000)))
    t.same(mixedResults.map(r => r.current), [1, 1, 1, 2, 1, 3, 2, 1], 'each key counts its own requests in arrival order')
    t.ok(mixedResults.every(r => r.ttl > 30_000 && r.ttl <= 45_000), 'every key gets its window')
    t.same(errors, [])
  })

  t.test('rate counter: a closed store lets each request through and reports each', async t => {
    const { store } = await makeStore()
    const errors: Error[] = []
    const counter = store.openRateCounter({ nameSpace: 'rl:', onError: err => { errors.push(err) } })
    t.equal((await rateCount(counter, 'tenant-a', 1000)).current, 1)
    await store.close()
    const results = await Promise.all([rateCount(counter, 'tenant-a', 1000), rateCount(counter, 'tenant-a', 1000), rateCount(counter, 'tenant-b', 1000)])
    t.same(results, Array(3).fill({ current: 0, ttl: 1000 }), 'a count of 0 and the whole window')
    t.equal(errors.length, 3)
    t.ok(errors.every(err => err instanceof Error))
  })

  t.test('credentials: stored with their audit entry and a change notice for tenant \'\', listed with their last use, deleted', async t => {
    const { store, peer } = await makeStore()
    t.teardown(async () => { await store.close() })
    const other = peer === undefined ? store : await peer()
    if (other !== store) t.teardown(async () => { await other.close() })
    const record: CredentialRecord = { id: '0123456789abcdef', name: 'ci', role: 'operator', tenants: null, hash: 'cd'.repeat(32), createdAt: T0, expiresAt: null }
    const created = changeNotice(other, tenantId => tenantId === '')
    await store.putCredential(record, { ...auditFixture('credential.create', '', T0, record.id), actor: 'root', actorName: 'root' })
    await created
    t.same(await other.getCredential(record.id), record, 'read back whole by another instance')
    t.equal(await store.getCredential('ffffffffffffffff'), undefined)
    t.same(await store.listCredentials(), [{ ...record, lastUsedAt: null }], 'never used yet')
    await store.touchCredential(record.id, T0 + 5000)
    t.same((await other.listCredentials()).map(c => c.lastUsedAt), [T0 + 5000], 'the last use is shared')

    const deleted = changeNotice(other, tenantId => tenantId === '')
    await store.deleteCredential(record.id, { ...auditFixture('credential.delete', '', T0 + 6000, record.id), actor: 'root', actorName: 'root' })
    await deleted
    t.equal(await other.getCredential(record.id), undefined, 'gone for every instance')
    await store.touchCredential(record.id, T0 + 7000)
    t.same(await store.listCredentials(), [], 'a use after deletion brings nothing back')
    await t.rejects(store.deleteCredential(record.id, auditFixture('credential.delete', '', T0 + 8000)), { code: 'CREDENTIAL_NOT_FOUND' })
    const log = await store.listAudit({ limit: 10 })
    t.same(log.items.map(e => [e.action, e.tenant, e.kid, e.actor, e.actorName]), [
      ['credential.delete', '', record.id, 'root', 'root'],
      ['credential.create', '', record.id, 'root', 'root']
    ], 'both audited, a refused delete not')
  })

  t.test('audit: filtered by actor and by a list of tenants, with the actor\'s name kept', async t => {
    const store = await open(t)
    await store.createTenant(tenantFixture('acme'), undefined, { ...auditFixture('tenant.create', 'acme', T0), actor: 'root', actorName: 'root' })
    await store.createTenant(tenantFixture('beta'), undefined, { ...auditFixture('tenant.create', 'beta', T0 + 1), actor: 'c1', actorName: 'deploy bot' })
    await store.createTenant(tenantFixture('gamma'), undefined, { ...auditFixture('tenant.create', 'gamma', T0 + 2), actor: 'c1', actorName: 'deploy bot' })
    for (let i = 0; i < 5; i++) await store.updateTenant(tenantFixture('acme', `n${i}`), i + 1, { ...auditFixture('tenant.update', 'acme', T0 + 3 + i), actor: 'root' })
    const byC1 = await store.listAudit({ actor: 'c1', limit: 10 })
    t.same(byC1.items.map(e => [e.tenant, e.actorName]), [['gamma', 'deploy bot'], ['beta', 'deploy bot']])
    const firstOfC1 = await store.listAudit({ actor: 'c1', limit: 1 })
    t.same(firstOfC1.items.map(e => e.tenant), ['gamma'])
    const rest = await store.listAudit({ actor: 'c1', limit: 1, cursor: firstOfC1.nextCursor ?? undefined })
    t.same(rest.items.map(e => e.tenant), ['beta'], 'paged by actor')
    t.same((await store.listAudit({ tenant: 'acme', actor: 'c1', limit: 10 })).items, [], 'one tenant and an actor')
    t.same((await store.listAudit({ tenant: 'acme', actor: 'root', limit: 2 })).items.map(e => e.action), ['tenant.update', 'tenant.update'])
    const scoped = await store.listAudit({ tenants: ['beta', 'gamma'], limit: 10 })
    t.same(scoped.items.map(e => e.tenant), ['gamma', 'beta'], 'only the tenants in scope')
    t.notOk((await store.listAudit({ tenant: 'acme', limit: 1 })).items[0].actorName, 'an entry without a name has none')
  })

  t.test('sessions: stored for their lifetime, ended for every instance with a change notice', async t => {
    const { store, peer } = await makeStore()
    t.teardown(async () => { await store.close() })
    const other = peer === undefined ? store : await peer()
    if (other !== store) t.teardown(async () => { await other.close() })
    const session: SessionRecord = { id: 'sid-1', principal: { id: 'root', name: 'root', role: 'admin', tenants: null }, expiresAt: T0 + 3600_000 }
    await store.putSession(session, 3600_000)
    t.same(await other.getSession('sid-1'), session)
    t.equal(await other.getSession('sid-2'), undefined)
    const ended = changeNotice(other, tenantId => tenantId === '')
    await store.deleteSession('sid-1')
    await ended
    t.equal(await other.getSession('sid-1'), undefined)
  })

  t.test('shared secrets: the first one stored is the one every instance gets', async t => {
    const { store, peer } = await makeStore()
    t.teardown(async () => { await store.close() })
    const other = peer === undefined ? store : await peer()
    if (other !== store) t.teardown(async () => { await other.close() })
    const first = await store.sharedSecret('session-key', () => 'first')
    t.equal(first, 'first')
    t.equal(await other.sharedSecret('session-key', () => 'second'), 'first', 'not replaced')
  })

  t.test('failures: counted per key in a window shared by every instance, read without counting', async t => {
    const { store, peer } = await makeStore()
    t.teardown(async () => { await store.close() })
    const other = peer === undefined ? store : await peer()
    if (other !== store) t.teardown(async () => { await other.close() })
    t.same(await store.failures('10.0.0.1'), { current: 0, ttl: 0 })
    t.equal((await store.countFailure('10.0.0.1', 60_000)).current, 1)
    const second = await other.countFailure('10.0.0.1', 60_000)
    t.equal(second.current, 2, 'the other instance adds to the same count')
    t.ok(second.ttl > 0 && second.ttl <= 60_000)
    t.equal((await other.failures('10.0.0.1')).current, 2)
    t.equal((await store.failures('10.0.0.1')).current, 2, 'reading does not count')
    t.equal((await store.failures('10.0.0.2')).current, 0, 'another address has its own count')
  })

  t.test('ready, and close is idempotent', async t => {
    const { store } = await makeStore()
    await store.ready()
    await store.close()
    await store.close()
    await t.rejects(store.ready(), { code: 'STORE_UNAVAILABLE' }, 'a closed store is unavailable')
  })

  verifierStoreContract(t, makeStore)
  eventStoreContract(t, makeStore)
}
