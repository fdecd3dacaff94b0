// Single sign-on against a real identity provider (oidc-provider on a loopback port), driven in Chromium: users in groups.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../../helpers/build.js'

const CLIENT_SECRET = 'tokenmint-operators-client-secret-0123456789'
const USERS: Record<string, { email: string, groups: string[] }> = {
  alice: { email: 'alice@example.com', groups: ['staff', 'tm-admins'] },
  bob: { email: 'bob@acme.example', groups: ['acme-team'] },
  eve: { email: 'eve@example.com', groups: ['staff'] }
}
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

async function listen (server: Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

t.test('single sign-on: groups map to roles; a refused user, a tampered state and a replayed code open nothing', async t => {
  const idp = createServer()
  const port = await listen(idp)
  t.teardown(async () => { await new Promise(resolve => idp.close(resolve)) })
  const issuer = `http://127.0.0.1:${port}`
  const { app, url } = await build(t, {
    listen: true,
    env: {
      OPERATOR_OIDC_ISSUER: issuer,
      OPERATOR_OIDC_CLIENT_ID: 'tokenmint',
      OPERATOR_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OPERATOR_OIDC_ROLES: 'tm-admins=admin,acme-team=tenant-admin:acme'
    }
  })
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'tokenmint', client_secret: CLIENT_SECRET, redirect_uris: [`${url}/admin/login/oidc/callback`], grant_types: ['authorization_code'], response_types: ['code'] }],
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, ...USERS[id] }) }),
    claims: { openid: ['sub'], email: ['email'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    // The test users have consented already: the flow is login, then straight back.
    loadExistingGrant: async ctx => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client?.clientId, accountId: ctx.oidc.session?.accountId })
      grant.addOIDCScope('openid email profile groups')
      await grant.save()
      return grant
    }
  })
  idp.on('request', provider.callback())
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 20_000 })
  t.teardown(async () => { await browser.close() })

  /**
   * A fresh browser context at the provider's sign-in page (reached through the dashboard's link), the form then sent as `user` through the context's own
   * request client (same cookies), following the provider's redirects up to the callback, which is returned unvisited.
   */
  async function toCallback (user: string): Promise<{ context: BrowserContext, page: Page, callback: string }> {
    const context = await browser.newContext()
    context.setDefaultTimeout(8000)
    const page = await context.newPage()
    // The dashboard's sign-in page offers single sign-on when an identity provider is configured.
    await page.goto(`${url}/admin/`)
    await page.locator('#signin-sso-link').click()
    await page.waitForURL(address => address.href.startsWith(issuer))
    const action = await page.locator('form').first().getAttribute('action')
    let res = await context.request.post(String(action), { form: { prompt: 'login', login: user, password: 'any' }, maxRedirects: 0 })
    for (let hop = 0; hop < 5; hop++) {
      const location = res.headers().location
      if (location === undefined) throw new Error(`the provider stopped at ${res.status()}: ${(await res.text()).slice(0, 300)}`)
      const next = new URL(location, issuer).href
      if (next.startsWith(`${url}/admin/login/oidc/callback`)) return { context, page, callback: next }
      res = await context.request.get(next, { maxRedirects: 0 })
    }
    throw new Error('the provider never sent the browser back')
  }
  // Cookies are not kept apart by port: the provider's have names of their own.
  const cookieOf = async (context: BrowserContext, name: string) => (await context.cookies()).find(cookie => cookie.name === name)
  const whoami = async (app: FastifyInstance, value: string) => await app.inject({ method: 'GET', url: '/v1/admin/whoami', headers: { cookie: `tm_session=${value}` } })

  t.test('a user in tm-admins signs in as admin; the actor is oidc:<sub>, named by its email', async t => {
    const { context, page, callback } = await toCallback('alice')
    t.match(new URL(callback).searchParams.get('code'), /.+/, 'the provider answered with a code')
    await page.goto(callback)
    await page.locator('#tenants-view').waitFor()
    t.match(await page.locator('#whoami').innerText(), 'alice@example.com · admin')
    const session = await cookieOf(context, 'tm_session')
    t.match(session, { httpOnly: true, sameSite: 'Strict' })
    t.same((await whoami(app, String(session?.value))).json(), { id: 'oidc:alice', name: 'alice@example.com', role: 'admin', tenants: null })
    t.equal(await cookieOf(context, 'tm_oidc'), undefined, 'the pending sign-in is used up')
    const csrf = (await app.inject({ method: 'GET', url: '/v1/admin/session', headers: { cookie: `tm_session=${String(session?.value)}` } })).json().csrfToken
    const created = await app.inject({ method: 'POST', url: '/v1/admin/tenants', headers: { cookie: `tm_session=${String(session?.value)}`, 'x-csrf-token': csrf }, payload: { id: 'acme', name: 'Acme', profile: 'smooch' } })
    t.equal(created.statusCode, 201)
    const log = await app.inject({ method: 'GET', url: '/v1/admin/audit?actor=oidc:alice', headers: { cookie: `tm_session=${String(session?.value)}` } })
    t.match(log.json().items, [{ action: 'tenant.create', actor: 'oidc:alice', actorName: 'alice@example.com' }])
    await context.close()
  })

  t.test('a user in acme-team is a tenant-admin of acme', async t => {
    const { context, page, callback } = await toCallback('bob')
    await page.goto(callback)
    await page.locator('#tenants-view').waitFor()
    const session = await cookieOf(context, 'tm_session')
    t.match((await whoami(app, String(session?.value))).json(), { id: 'oidc:bob', role: 'tenant-admin', tenants: ['acme'] })
    await context.close()
  })

  t.test('a user with no mapped group is refused and nothing is opened', async t => {
    const { context, page, callback } = await toCallback('eve')
    const res = await page.goto(callback)
    t.equal(res?.status(), 403)
    t.match(await res?.json(), { code: 'FORBIDDEN' })
    t.equal(await cookieOf(context, 'tm_session'), undefined, 'no session')
    await context.close()
  })

  t.test('a tampered state is refused', async t => {
    const { context, page, callback } = await toCallback('alice')
    const tampered = new URL(callback)
    tampered.searchParams.set('state', `${tampered.searchParams.get('state') ?? ''}x`)
    const res = await page.goto(tampered.href)
    t.equal(res?.status(), 401)
    t.match(await res?.json(), { code: 'UNAUTHORIZED' })
    t.equal(await cookieOf(context, 'tm_session'), undefined, 'no session')
    await context.close()
  })

  t.test('a replayed code is refused, even with the pending sign-in put back', async t => {
    const { context, page, callback } = await toCallback('alice')
    const pending = await cookieOf(context, 'tm_oidc')
    t.ok(pending, 'a pending sign-in cookie')
    await page.goto(callback)
    await page.locator('#tenants-view').waitFor()
    const first = await cookieOf(context, 'tm_session')
    await context.clearCookies()
    await context.addCookies([pending as NonNullable<typeof pending>])
    const res = await page.goto(callback)
    t.equal(res?.status(), 401, 'the provider refuses the used code')
    t.equal(await cookieOf(context, 'tm_session'), undefined, 'no second session')
    t.equal((await whoami(app, String(first?.value))).statusCode, 200, 'the first session is unaffected')
    await context.close()
  })
})
