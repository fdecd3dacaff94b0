// The roles table, route by route: every admin route × every role, tenants in and out of a tenant-admin's scope, exact statuses.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { Role } from '../../../src/access/actions.js'
import { ADMIN_TOKEN, build } from '../../helpers/build.js'
import { createCredential, requestAs } from '../../helpers/access.js'
import { es256Tenant } from '../../helpers/key-lifecycle.js'
import { adminHeaders, createApiKey } from '../../helpers/tenants.js'

type Who = 'root' | Role
/** Nothing listens there: deliveries fail and are retried, which no row waits for. */
const HOOK_URL = 'http://127.0.0.1:9/hook'
const WEBHOOK_ENV = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' }
const WHO: Who[] = ['root', 'admin', 'operator', 'tenant-admin', 'auditor']

/** What a case acts on: a tenant (in or out of the tenant-admin's scope), its key and API key, a spare credential. */
interface Target {
  tenant: string
  kid: string
  apiKeyId: string
  credentialId: string
  /** A webhook of this tenant only, and a delivery of it (pending: a retry is a 409). */
  webhookId: string
  deliveryId: string
  fresh: string
  /** The token the case's principal presents. */
  token: string
}

interface Row {
  route: string
  name?: string
  /** The request, from the target; `tenant` in the URL or query means the row runs in and out of scope. */
  request: (target: Target) => { url: string, payload?: unknown }
  /** Exact status per principal, the tenant in scope. Out of scope, a tenant-admin gets 404 on rows that name a tenant. */
  status: Record<Who, number>
  namesTenant: boolean
}

const all = (status: number): Record<Who, number> => ({ root: status, admin: status, operator: status, 'tenant-admin': status, auditor: status })
const writers = (status: number): Record<Who, number> => ({ ...all(status), auditor: 403 })
const platform = (status: number): Record<Who, number> => ({ ...all(status), 'tenant-admin': 403, auditor: 403 })
const adminsOnly = (status: number): Record<Who, number> => ({ root: status, admin: status, operator: 403, 'tenant-admin': 403, auditor: 403 })

const TABLE: Row[] = [
  { route: 'POST /v1/admin/tenants', request: x => ({ url: '/v1/admin/tenants', payload: es256Tenant(x.fresh, { name: 'new' }) }), status: platform(201), namesTenant: false },
  { route: 'GET /v1/admin/tenants', request: () => ({ url: '/v1/admin/tenants' }), status: all(200), namesTenant: false },
  { route: 'GET /v1/admin/tenants/:tenant', request: x => ({ url: `/v1/admin/tenants/${x.tenant}` }), status: all(200), namesTenant: true },
  { route: 'PATCH /v1/admin/tenants/:tenant', name: 'name', request: x => ({ url: `/v1/admin/tenants/${x.tenant}`, payload: { name: 'renamed' } }), status: writers(200), namesTenant: true },
  {
    route: 'PATCH /v1/admin/tenants/:tenant',
    name: 'rateLimit',
    request: x => ({ url: `/v1/admin/tenants/${x.tenant}`, payload: { rateLimit: { max: 10, timeWindow: 1000 } } }),
    status: platform(200),
    namesTenant: true
  },
  { route: 'DELETE /v1/admin/tenants/:tenant', request: x => ({ url: `/v1/admin/tenants/${x.tenant}` }), status: platform(204), namesTenant: true },
  { route: 'POST /v1/admin/tenants/:tenant/api-keys', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/api-keys`, payload: { name: 'b' } }), status: writers(201), namesTenant: true },
  { route: 'GET /v1/admin/tenants/:tenant/api-keys', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/api-keys` }), status: all(200), namesTenant: true },
  { route: 'DELETE /v1/admin/tenants/:tenant/api-keys/:id', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/api-keys/${x.apiKeyId}` }), status: writers(204), namesTenant: true },
  { route: 'GET /v1/admin/tenants/:tenant/keys', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/keys` }), status: all(200), namesTenant: true },
  { route: 'GET /v1/admin/tenants/:tenant/keys/:kid/public.pem', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/keys/${x.kid}/public.pem` }), status: all(200), namesTenant: true },
  { route: 'POST /v1/admin/tenants/:tenant/keys', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/keys`, payload: { alg: 'ES256' } }), status: writers(201), namesTenant: true },
  { route: 'POST /v1/admin/tenants/:tenant/keys/rotate', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/keys/rotate`, payload: {} }), status: writers(201), namesTenant: true },
  { route: 'POST /v1/admin/tenants/:tenant/keys/:kid/revoke', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/keys/${x.kid}/revoke` }), status: writers(200), namesTenant: true },
  { route: 'PUT /v1/admin/tenants/:tenant/rotation', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/rotation`, payload: { every: 86400, prepublish: 300 } }), status: writers(200), namesTenant: true },
  { route: 'DELETE /v1/admin/tenants/:tenant/rotation', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/rotation` }), status: writers(204), namesTenant: true },
  { route: 'GET /v1/admin/tenants/:tenant/verifiers', request: x => ({ url: `/v1/admin/tenants/${x.tenant}/verifiers` }), status: all(200), namesTenant: true },
  { route: 'POST /v1/admin/webhooks', request: x => ({ url: '/v1/admin/webhooks', payload: { url: HOOK_URL, events: ['*'], tenants: [x.tenant] } }), status: writers(201), namesTenant: true },
  { route: 'GET /v1/admin/webhooks', request: () => ({ url: '/v1/admin/webhooks' }), status: all(200), namesTenant: false },
  { route: 'GET /v1/admin/webhooks/:id', request: x => ({ url: `/v1/admin/webhooks/${x.webhookId}` }), status: all(200), namesTenant: true },
  { route: 'PATCH /v1/admin/webhooks/:id', request: x => ({ url: `/v1/admin/webhooks/${x.webhookId}`, payload: { description: 'changed' } }), status: writers(200), namesTenant: true },
  { route: 'DELETE /v1/admin/webhooks/:id', request: x => ({ url: `/v1/admin/webhooks/${x.webhookId}` }), status: writers(204), namesTenant: true },
  { route: 'POST /v1/admin/webhooks/:id/rotate-secret', request: x => ({ url: `/v1/admin/webhooks/${x.webhookId}/rotate-secret` }), status: writers(200), namesTenant: true },
  { route: 'POST /v1/admin/webhooks/:id/test', request: x => ({ url: `/v1/admin/webhooks/${x.webhookId}/test` }), status: writers(202), namesTenant: true },
  { route: 'GET /v1/admin/webhooks/:id/deliveries', request: x => ({ url: `/v1/admin/webhooks/${x.webhookId}/deliveries` }), status: all(200), namesTenant: true },
  {
    route: 'POST /v1/admin/webhooks/:id/deliveries/:deliveryId/retry',
    request: x => ({ url: `/v1/admin/webhooks/${x.webhookId}/deliveries/${x.deliveryId}/retry` }),
    status: writers(409),
    namesTenant: true
  },
  { route: 'GET /v1/admin/audit', name: 'every tenant', request: () => ({ url: '/v1/admin/audit' }), status: all(200), namesTenant: false },
  { route: 'GET /v1/admin/audit', name: '?tenant=', request: x => ({ url: `/v1/admin/audit?tenant=${x.tenant}` }), status: all(200), namesTenant: true },
  { route: 'POST /v1/admin/credentials', request: () => ({ url: '/v1/admin/credentials', payload: { name: 'n', role: 'auditor' } }), status: adminsOnly(201), namesTenant: false },
  { route: 'GET /v1/admin/credentials', request: () => ({ url: '/v1/admin/credentials' }), status: { ...adminsOnly(200), auditor: 200 }, namesTenant: false },
  { route: 'DELETE /v1/admin/credentials/:id', request: x => ({ url: `/v1/admin/credentials/${x.credentialId}` }), status: adminsOnly(204), namesTenant: false },
  { route: 'GET /v1/admin/whoami', request: () => ({ url: '/v1/admin/whoami' }), status: all(200), namesTenant: false },
  { route: 'POST /v1/admin/session', request: x => ({ url: '/v1/admin/session', payload: { token: x.token } }), status: all(200), namesTenant: false },
  { route: 'GET /v1/admin/session', name: 'a bearer credential has no session', request: () => ({ url: '/v1/admin/session' }), status: all(404), namesTenant: false },
  { route: 'DELETE /v1/admin/session', request: () => ({ url: '/v1/admin/session' }), status: all(204), namesTenant: false }
]

let serial = 0
/** A tenant in scope and one out of it, each with a key and an API key, a spare credential, and a token of `who` scoped to the first. */
async function setUp (app: FastifyInstance, who: Who): Promise<{ token: string, inside: Target, outside: Target }> {
  const n = ++serial
  const target = async (tenant: string): Promise<Target> => {
    const res = await app.inject({ method: 'POST', url: '/v1/admin/tenants', headers: adminHeaders, payload: es256Tenant(tenant, { name: tenant }) })
    if (res.statusCode !== 201) throw new Error(res.body)
    // tm_<tenant>_<id>_<secret>
    const apiKeyId = (await createApiKey(app, tenant)).split('_')[2]
    const webhook = await app.inject({ method: 'POST', url: '/v1/admin/webhooks', headers: adminHeaders, payload: { url: HOOK_URL, events: ['*'], tenants: [tenant] } })
    if (webhook.statusCode !== 201) throw new Error(webhook.body)
    const webhookId = webhook.json().id as string
    const delivery = await app.inject({ method: 'POST', url: `/v1/admin/webhooks/${webhookId}/test`, headers: adminHeaders })
    if (delivery.statusCode !== 202) throw new Error(delivery.body)
    return { tenant, kid: res.json().activeKid, apiKeyId, credentialId: spare.id, webhookId, deliveryId: delivery.json().id, fresh: `new-${n}`, token: '' }
  }
  const spare = await createCredential(app, 'auditor')
  const inside = await target(`in-${n}`)
  const outside = await target(`out-${n}`)
  const token = who === 'root' ? ADMIN_TOKEN : (await createCredential(app, who, who === 'tenant-admin' ? [inside.tenant] : undefined)).token
  return { token, inside: { ...inside, token }, outside: { ...outside, token } }
}

const methodOf = (route: string): string => route.split(' ')[0]

t.test('every admin route has a row, and every row a route', async t => {
  const { app } = await build(t, { env: WEBHOOK_ENV })
  const routes = new Set(app.tokenmint.adminRoutes.filter(r => r.method !== 'HEAD').map(r => `${r.method} ${r.url}`))
  t.ok(routes.size >= 20, `the routes are enumerated (${routes.size})`)
  const rows = new Set(TABLE.map(row => row.route))
  t.same([...routes].filter(route => !rows.has(route)), [], 'no admin route without a row in the permission table')
  t.same([...rows].filter(route => !routes.has(route)), [], 'no row for a route that does not exist')
})

t.test('the permission matrix: exact statuses for every route, role and scope', async t => {
  const { app } = await build(t, { env: WEBHOOK_ENV })
  let cases = 0
  for (const row of TABLE) {
    for (const who of WHO) {
      // One set-up serves both scopes: a case acts on its own tenant only.
      const { token, inside, outside } = await setUp(app, who)
      for (const scope of row.namesTenant ? ['inside', 'outside'] as const : ['inside'] as const) {
        const { url, payload } = row.request(scope === 'inside' ? inside : outside)
        const res = await requestAs(app, token, methodOf(row.route), url, payload)
        const expected = scope === 'outside' && who === 'tenant-admin' ? 404 : row.status[who]
        t.equal(res.statusCode, expected, `${row.route}${row.name === undefined ? '' : ` (${row.name})`} as ${who}, tenant ${scope} the scope: ${res.statusCode === expected ? '' : res.body}`)
        if (expected === 403) t.equal(res.json().code, 'FORBIDDEN')
        if (scope === 'outside' && who === 'tenant-admin') t.equal(res.json().code, 'TENANT_NOT_FOUND')
        cases++
      }
    }
  }
  t.comment(`${cases} cases`)
  t.ok(cases >= TABLE.length * WHO.length)
})

t.test('a tenant-admin sees only its tenants: the list, the audit log, and a tenant outside is answered as one that does not exist', async t => {
  const { app, admin } = await build(t)
  for (const id of ['acme', 'acme-eu', 'other']) t.equal((await admin('POST', '/v1/admin/tenants', es256Tenant(id, { name: id }))).statusCode, 201)
  const team = await createCredential(app, 'tenant-admin', ['acme', 'acme-eu', 'gone'])
  const list = await requestAs(app, team.token, 'GET', '/v1/admin/tenants')
  t.same(list.json().items.map((tenant: { id: string }) => tenant.id), ['acme', 'acme-eu'], 'its existing tenants only')
  const page = await requestAs(app, team.token, 'GET', '/v1/admin/tenants?limit=1')
  t.same(page.json().items.map((tenant: { id: string }) => tenant.id), ['acme'])
  const next = await requestAs(app, team.token, 'GET', `/v1/admin/tenants?limit=1&cursor=${String(page.json().nextCursor)}`)
  t.same(next.json(), { items: [next.json().items[0]], nextCursor: null })
  t.equal(next.json().items[0].id, 'acme-eu', 'paginated')

  t.equal((await requestAs(app, team.token, 'PATCH', '/v1/admin/tenants/acme', { name: 'Acme Inc' })).statusCode, 200)
  const log = await requestAs(app, team.token, 'GET', '/v1/admin/audit')
  const tenants = new Set(log.json().items.map((entry: { tenant: string }) => entry.tenant))
  t.same([...tenants].sort(), ['acme', 'acme-eu'], 'no entry of another tenant, nor of credentials')
  const ndjson = await requestAs(app, team.token, 'GET', '/v1/admin/audit?format=ndjson')
  t.ok(ndjson.body.trim().split('\n').every(line => ['acme', 'acme-eu'].includes(JSON.parse(line).tenant)), 'the stream too')

  const outside = await requestAs(app, team.token, 'GET', '/v1/admin/tenants/other')
  const missing = await requestAs(app, team.token, 'GET', '/v1/admin/tenants/nowhere')
  t.equal(outside.statusCode, 404)
  t.same({ ...outside.json(), detail: '', instance: '' }, { ...missing.json(), detail: '', instance: '' }, 'the same answer as a tenant that does not exist')
  t.equal(outside.json().detail, 'tenant other does not exist')
  t.equal((await requestAs(app, team.token, 'GET', '/v1/admin/audit?tenant=other')).statusCode, 404)
  t.equal((await requestAs(app, team.token, 'GET', '/v1/admin/tenants/gone')).statusCode, 404, 'in scope but not existing: the service says so')
})

t.test('a tenant-admin sees only the webhooks of its tenants; one of every tenant does not exist for it', async t => {
  const { app, admin } = await build(t, { env: WEBHOOK_ENV })
  for (const id of ['acme', 'other']) t.equal((await admin('POST', '/v1/admin/tenants', es256Tenant(id, { name: id }))).statusCode, 201)
  const own = (await admin('POST', '/v1/admin/webhooks', { url: HOOK_URL, events: ['*'], tenants: ['acme'] })).json().id as string
  const global = (await admin('POST', '/v1/admin/webhooks', { url: HOOK_URL, events: ['*'] })).json().id as string
  const team = await createCredential(app, 'tenant-admin', ['acme'])
  const list = await requestAs(app, team.token, 'GET', '/v1/admin/webhooks')
  t.same(list.json().items.map((webhook: { id: string }) => webhook.id), [own], 'only its own')
  const hidden = await requestAs(app, team.token, 'GET', `/v1/admin/webhooks/${global}`)
  t.equal(hidden.statusCode, 404)
  t.equal(hidden.json().code, 'WEBHOOK_NOT_FOUND')
  const widened = await requestAs(app, team.token, 'PATCH', `/v1/admin/webhooks/${own}`, { tenants: ['acme', 'other'] })
  t.equal(widened.statusCode, 404, 'it may not add a tenant outside its scope')
  const everyTenant = await requestAs(app, team.token, 'PATCH', `/v1/admin/webhooks/${own}`, { tenants: null })
  t.equal(everyTenant.statusCode, 403, 'nor widen it to every tenant')
  const unscoped = await requestAs(app, team.token, 'POST', '/v1/admin/webhooks', { url: HOOK_URL, events: ['*'] })
  t.equal(unscoped.statusCode, 403, 'nor create one of every tenant')
  t.same((await admin('GET', `/v1/admin/webhooks/${own}`)).json().tenants, ['acme'], 'nothing was changed')
})
