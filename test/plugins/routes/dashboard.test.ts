// The operator dashboard: its headers and static files through app.inject, then the whole flow in headless Chromium.
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPairSync } from 'node:crypto'
import { jwtVerify } from 'jose'
import type { Page } from 'playwright-core'
import t from 'tap'
import { describeProfiles } from '../../../src/profiles/index.js'
import { PROFILE_NAMES } from '../../../src/types.js'
import { ADMIN_TOKEN, build, FakeClock } from '../../helpers/build.js'
import { startReceiver } from '../../helpers/webhook-receiver.js'
import { SCREENSHOTS, openBrowser } from '../../helpers/browser.js'
import { adminHeaders, issue } from '../../helpers/tenants.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const PUBLIC = join(HERE, '../../../public/admin')
const CSP_PARTS = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
  "img-src 'self' data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"
]

t.test('/admin serves the dashboard page and its files with a strict CSP', async t => {
  const { app } = await build(t)
  for (const path of ['/admin', '/admin/']) {
    const res = await app.inject(path)
    t.equal(res.statusCode, 200, path)
    t.match(res.headers['content-type'], /^text\/html/)
    const csp = String(res.headers['content-security-policy'])
    t.same(csp.split('; ').sort(), [...CSP_PARTS].sort(), 'exactly the strict policy')
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['referrer-policy'], 'no-referrer')
    t.match(res.body, '<script type="module" src="/admin/app.js"></script>')
    t.notMatch(res.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script')
    t.notMatch(res.body, /<style|\sstyle=/, 'no inline style')
    t.notMatch(res.body, /https?:\/\//, 'no third-party URL')
  }

  const js = await app.inject('/admin/app.js')
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /^text\/javascript/)
  t.equal(js.headers['x-content-type-options'], 'nosniff')
  t.match(js.headers['content-security-policy'], "default-src 'none'")
  t.match((await app.inject('/admin/style.css')).headers['content-type'], /^text\/css/)

  for (const path of ['/admin/missing.js', '/admin/..%2Fpackage.json', '/admin/%2E%2E%2F%2E%2E%2Fpackage.json']) {
    const res = await app.inject(path)
    t.equal(res.statusCode, 404, path)
    t.equal(res.json().code, 'NOT_FOUND')
    t.match(res.headers['content-security-policy'], "default-src 'none'", 'errors carry the policy too')
  }
  t.equal((await app.inject('/v1/admin/tenants')).headers['content-security-policy'], undefined, 'the API is not affected')
})

t.test('/admin/profiles.json describes the registry\'s profiles for the form', async t => {
  const { app } = await build(t)
  const res = await app.inject('/admin/profiles.json')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.match(res.headers['content-security-policy'], "default-src 'none'")
  const { profiles } = res.json()
  t.same(profiles.map((p: { name: string }) => p.name), [...PROFILE_NAMES], 'every profile, in registry order')
  t.same(profiles, JSON.parse(JSON.stringify(describeProfiles())))
})

t.test('/admin/sign-in.json offers single sign-on only with an identity provider configured', async t => {
  const { app } = await build(t)
  const res = await app.inject('/admin/sign-in.json')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { sso: false })
  const withSso = await build(t, { env: { OPERATOR_OIDC_ISSUER: 'https://idp.example.com', OPERATOR_OIDC_CLIENT_ID: 'tokenmint', OPERATOR_OIDC_CLIENT_SECRET: 'a-client-secret-of-some-length-0123', OPERATOR_OIDC_ROLES: 'ops=admin' } })
  t.same((await withSso.app.inject('/admin/sign-in.json')).json(), { sso: true })
})

t.test('the dashboard code never writes server data as HTML and loads nothing from elsewhere', async t => {
  const files = (await readdir(PUBLIC)).filter(name => /\.(js|css|html)$/.test(name))
  t.ok(files.includes('app.js') && files.includes('index.html'))
  for (const name of files) {
    const text = await readFile(join(PUBLIC, name), 'utf8')
    t.notMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/, `${name}: no HTML sinks`)
    t.notMatch(text, /@import|url\(\s*['"]?https?:|(src|href)=["']https?:/, `${name}: no third-party resource`)
  }
})

/** Waits for the message area to hold an error and returns its text. */
async function errorText (page: Page): Promise<string> {
  const box = page.locator('#messages .msg-error').last()
  await box.waitFor()
  return await box.innerText()
}

t.test('an operator signs in, creates a tenant, rotates, revokes and creates an API key in Chromium', async t => {
  const { app, url } = await build(t, { listen: true })
  const origin = new URL(url)
  const sceyt = await app.inject({
    method: 'POST',
    url: '/v1/admin/tenants',
    headers: adminHeaders,
    payload: { id: 'beta-sceyt', name: 'Beta on Sceyt', profile: 'sceyt', profileOptions: { applicationId: 'app-1' } }
  })
  t.equal(sceyt.statusCode, 201)
  // One more tenant than a page holds, so the list needs its nextCursor.
  for (let i = 0; i < 50; i++) {
    const bulk = await app.inject({ method: 'POST', url: '/v1/admin/tenants', headers: adminHeaders, payload: { id: `bulk-${String(i).padStart(2, '0')}`, name: `Bulk ${i}`, profile: 'smooch', generateKey: false } })
    t.equal(bulk.statusCode, 201)
  }
  const { page, consoleErrors } = await openBrowser(t, url, { width: 1360, height: 1000 })
  const requested: string[] = []
  page.on('request', request => { requested.push(request.url()) })
  /** What the page could read or keep: browser storage and script-visible cookies (the session cookie is HttpOnly). */
  const kept = async () => await page.evaluate(() => ({ storage: sessionStorage.length + localStorage.length, cookies: document.cookie }))
  const sessionCookie = async () => (await page.context().cookies()).find(cookie => cookie.name === 'tm_session')

  const response = await page.goto(`${url}/admin`)
  const csp = response?.headers()['content-security-policy'] ?? ''
  t.same(csp.split('; ').sort(), [...CSP_PARTS].sort(), 'the page is served under the strict CSP')
  t.equal(response?.headers()['referrer-policy'], 'no-referrer')

  // Sign-in: a wrong token is refused with the API's problem, the right one lists the tenants.
  await page.getByLabel('Admin credential').fill('not-the-admin-token')
  await page.getByRole('button', { name: 'Sign in' }).click()
  const refused = await errorText(page)
  t.match(refused, '401')
  t.match(refused, 'the credential is not valid')
  t.match(refused, 'UNAUTHORIZED')
  t.same(await kept(), { storage: 0, cookies: '' }, 'a refused credential is not kept')
  t.equal(await sessionCookie(), undefined, 'and opens no session')
  t.ok(await page.locator('#signin-view').isVisible())
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-signin-error.png') })

  await page.getByLabel('Admin credential').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('[data-tenant="beta-sceyt"]').waitFor()
  t.same(await kept(), { storage: 0, cookies: '' }, 'nothing in browser storage, no cookie a script can read')
  t.match(await sessionCookie(), { httpOnly: true, sameSite: 'Strict', path: '/' }, 'the session is an HttpOnly, SameSite=Strict cookie')
  t.notMatch(await page.content(), ADMIN_TOKEN, 'the credential is not left in the page')
  t.equal(await page.locator('#messages .msg-error').count(), 0, 'the old error is gone')

  // The list is paginated, and search filters the loaded tenants by id or name.
  t.equal(await page.locator('.tenant-item').count(), 50, 'one page')
  t.match(await page.locator('#tenant-count').innerText(), 'more on the server')
  await page.getByLabel('Search tenants').fill('nothing-like-it')
  t.equal(await page.locator('.tenant-item').count(), 0)
  await page.getByLabel('Search tenants').fill('SCEYT')
  t.equal(await page.locator('.tenant-item').count(), 1, 'by name, case-insensitively')
  await page.getByLabel('Search tenants').fill('bulk-49')
  t.equal(await page.locator('.tenant-item').count(), 0, 'the last tenant is on the next page')
  await page.getByRole('button', { name: 'Load more' }).click()
  await page.locator('[data-tenant="bulk-49"]').waitFor()
  t.notOk(await page.getByRole('button', { name: 'Load more' }).isVisible(), 'no more pages')
  await page.getByLabel('Search tenants').fill('')
  t.equal(await page.locator('.tenant-item').count(), 51)

  // Tenant creation: the profile picker asks for each profile's options; API field errors are shown.
  await page.getByRole('button', { name: 'New tenant' }).first().click()
  await page.getByLabel('Profile').selectOption('khoros')
  t.same(await page.getByLabel('Default platform').locator('option').allInnerTexts(), ['profile default (web)', 'ios', 'android', 'web'],
    'khoros offers its platforms, with the default the profile names')
  await page.getByLabel('Profile').selectOption('tiledesk')
  t.ok(await page.getByLabel('Project id').isVisible(), 'tiledesk asks for the project id')
  await page.getByLabel('Profile').selectOption('sceyt')
  t.ok(await page.getByLabel('Application id').isVisible(), 'sceyt asks for the application id')
  t.notOk(await page.getByLabel('Project id').isVisible())
  await page.getByLabel('Profile').selectOption('custom')
  t.ok(await page.getByLabel('Claims JSON Schema (draft 2020-12)').isVisible(), 'custom asks for a schema')
  t.ok(await page.getByLabel('Algorithm').isVisible())
  t.same(await page.getByLabel('Algorithm').locator('option').allInnerTexts(), ['HS256', 'RS256', 'ES256', 'EdDSA'])
  t.ok(await page.getByLabel('Issuer').isVisible(), 'custom offers its options too')
  await page.getByLabel('Profile').selectOption('smooch')
  t.match(await page.locator('fieldset[data-profile="smooch"]').innerText(), 'needs no options')

  t.equal(await page.getByLabel('Generate the first key now').isChecked(), false, 'smooch imports its key first: the box starts unticked')
  await page.getByLabel('Profile').selectOption('sceyt')
  t.equal(await page.getByLabel('Generate the first key now').isChecked(), true, 'sceyt generates by default')
  await page.getByLabel('Profile').selectOption('smooch')
  await page.getByLabel('Generate the first key now').check()
  await page.getByLabel('Tenant id').fill('Not A Slug')
  await page.getByLabel('Name', { exact: true }).fill('Acme chat')
  await page.getByRole('button', { name: 'Create tenant' }).click()
  const invalid = await errorText(page)
  t.match(invalid, '400')
  t.match(invalid, '/id')
  t.equal(await page.getByLabel('Tenant id').getAttribute('aria-invalid'), 'true', 'the field named by the error is marked')

  await page.getByLabel('Tenant id').fill('acme-chat')
  await page.getByRole('button', { name: 'Create tenant' }).click()
  const secretField = page.locator('.once input.secret')
  await secretField.waitFor()
  const initialSecret = await secretField.inputValue()
  t.match(initialSecret, /^[A-Za-z0-9_-]{43}$/, 'the generated HS256 secret is shown')
  t.equal(await page.locator('[data-tenant="acme-chat"]').count(), 1, 'the new tenant is in the list')
  await page.locator('.once').getByRole('button', { name: 'Copy' }).click()
  await page.locator('.once .copy-status', { hasText: 'Copied' }).waitFor()
  t.equal(await page.evaluate(async () => await navigator.clipboard.readText()), initialSecret, 'the copy button copies the secret')
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-tenant-created.png'), fullPage: true })
  await page.getByRole('button', { name: 'I have stored it: hide' }).click()
  t.equal(await page.locator('.once').count(), 0)

  // Shown once: after a reload (still signed in) the tenant's page no longer holds it.
  await page.reload()
  await page.locator('[data-tenant="acme-chat"]').click()
  await page.locator('#tenant-title', { hasText: 'Acme chat' }).waitFor()
  t.notMatch(await page.content(), initialSecret, 'the secret is not shown again')

  // API key: shown once, and it works with the secret shown at creation.
  await page.getByLabel('New API key name').fill('backend')
  await page.getByRole('button', { name: 'Create API key' }).click()
  const apiKeyField = page.locator('#api-keys .once input.secret')
  await apiKeyField.waitFor()
  const apiKey = await apiKeyField.inputValue()
  t.match(apiKey, /^tm_acme-chat_[A-Za-z0-9]+_[A-Za-z0-9_-]{43}$/)
  await page.locator('#api-keys tbody tr', { hasText: 'backend' }).waitFor()
  const issued = await issue(app, 'acme-chat', apiKey, { userId: 'u-1' })
  t.equal(issued.statusCode, 201)
  const verified = await jwtVerify(issued.json().token, new TextEncoder().encode(initialSecret), { algorithms: ['HS256'] })
  t.equal(verified.payload.userId, 'u-1', 'the token verifies with the initial secret the dashboard showed')

  // Rotation: a pending key appears in the list and on the timeline.
  const keyRows = page.locator('table.keys tbody tr')
  t.equal(await keyRows.count(), 1)
  const activeKid = await page.locator('table.keys tr[data-state="active"]').getAttribute('data-kid') ?? ''
  t.match(activeKid, /^hs_/)
  const at = new Date(Date.now() + 2 * 3600_000).toISOString().slice(0, 19)
  await page.getByLabel('Activate at (local time)').fill(at)
  await page.locator('#rotate-prepublish').fill('600')
  await page.getByRole('button', { name: 'Schedule rotation' }).click()
  await page.locator('table.keys tr[data-state="pending"]').waitFor()
  t.equal(await keyRows.count(), 2)
  const pendingKid = await page.locator('table.keys tr[data-state="pending"]').getAttribute('data-kid') ?? ''
  t.not(pendingKid, activeKid)
  t.equal(await page.locator(`.tl-row[data-kid="${pendingKid}"] rect.state-pending`).count(), 1, 'the timeline shows it pending')
  t.equal(await page.locator(`.tl-row[data-kid="${activeKid}"] rect.state-active`).count(), 1)
  t.equal(await page.locator('.legend li').count(), 7, 'five states, the publish marker and now')
  t.match(await page.locator('#messages .msg-ok').innerText(), `Key ${pendingKid} scheduled: pending`)
  await page.locator('#keys').screenshot({ path: join(SCREENSHOTS, 'dashboard-keys-timeline.png') })

  // Periodic rotation: set, shown, stopped.
  await page.getByLabel('Every (seconds)').fill('86400')
  await page.getByRole('button', { name: 'Set periodic rotation' }).click()
  await page.locator('.rotation-status', { hasText: 'A new key every 1 d' }).waitFor()
  t.equal((await app.inject({ url: '/v1/admin/tenants/acme-chat', headers: adminHeaders })).json().rotation.every, 86400)
  await page.getByRole('button', { name: 'Stop periodic rotation' }).click()
  await page.locator('.rotation-status', { hasText: 'Periodic rotation is off' }).waitFor()
  t.equal((await app.inject({ url: '/v1/admin/tenants/acme-chat', headers: adminHeaders })).json().rotation, undefined)

  // Revocation needs the dialog's confirmation: cancel changes nothing, confirm revokes.
  const revokeActive = page.getByRole('button', { name: `Revoke key ${activeKid}` })
  await revokeActive.click()
  const dialog = page.locator('#confirm-dialog')
  await dialog.waitFor()
  t.match(await dialog.innerText(), 'It is the active key')
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-revoke-confirm.png') })
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await dialog.waitFor({ state: 'hidden' })
  const keysAfterCancel = await app.inject({ url: '/v1/admin/tenants/acme-chat/keys', headers: adminHeaders })
  t.equal(keysAfterCancel.json().items.find((k: { kid: string }) => k.kid === activeKid).state, 'active', 'cancel revokes nothing')

  await revokeActive.click()
  await dialog.getByRole('button', { name: 'Revoke key' }).click()
  await page.locator(`table.keys tr[data-kid="${activeKid}"][data-state="revoked"]`).waitFor()
  t.equal(await page.locator(`.tl-row[data-kid="${activeKid}"] rect.state-revoked`).count(), 1, 'the timeline shows it revoked')
  t.match(await page.locator('#messages .msg-ok').innerText(), `Active key now: ${pendingKid}`, 'the pending HS256 key took over at once')
  const keysAfter = await app.inject({ url: '/v1/admin/tenants/acme-chat/keys', headers: adminHeaders })
  t.equal(keysAfter.json().items.find((k: { kid: string }) => k.kid === activeKid).state, 'revoked')

  // A short prepublish on an asymmetric tenant comes back with a warning, which is shown.
  await page.locator('[data-tenant="beta-sceyt"]').click()
  await page.locator('#tenant-title', { hasText: 'Beta on Sceyt' }).waitFor()
  await page.getByLabel('Activate at (local time)').fill(at)
  await page.locator('#rotate-prepublish').fill('10')
  await page.getByRole('button', { name: 'Schedule rotation' }).click()
  await page.locator('table.keys tr[data-state="pending"]').waitFor()
  t.match(await page.locator('#messages .msg-warn').innerText(), 'JWKS max-age')

  // Audit: every action above, and a tenant filter.
  await page.getByRole('button', { name: 'Audit log' }).first().click()
  await page.locator('table.audit tr[data-action="key.revoke"]').waitFor()
  t.ok(await page.locator('table.audit tr[data-action="tenant.create"]').count() >= 2)
  t.equal(await page.locator('table.audit tr[data-action="api-key.create"]').count(), 1)
  await page.locator('#audit-tenant').fill('beta-sceyt')
  await page.locator('#audit-form').getByRole('button', { name: 'Show' }).click()
  await page.locator('table.audit tr[data-action="key.revoke"]').waitFor({ state: 'detached' })
  await page.locator('table.audit tr[data-action="tenant.create"]').first().waitFor()
  const tenantsShown = await page.locator('table.audit tbody tr td:nth-child(3)').allInnerTexts()
  t.same([...new Set(tenantsShown)], ['beta-sceyt'], 'only the filtered tenant')
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-audit.png'), fullPage: true })

  // Sign out ends the session on the server and drops its cookie.
  const cookie = await sessionCookie()
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.locator('#signin-view').waitFor()
  t.equal(await sessionCookie(), undefined, 'the cookie is cleared')
  t.equal((await app.inject({ method: 'GET', url: '/v1/admin/whoami', headers: { cookie: `tm_session=${String(cookie?.value)}` } })).statusCode, 401, 'and the session is over')

  const foreign = requested.filter(address => {
    const parsed = new URL(address)
    return parsed.protocol !== 'http:' || parsed.hostname !== '127.0.0.1' || parsed.port !== origin.port
  })
  t.same(foreign, [], 'every request went to the service on 127.0.0.1')
  t.ok(requested.some(address => address.endsWith('/v1/admin/tenants?limit=50')), 'requests were recorded')
  t.same(consoleErrors, [], 'no script error and no CSP violation')
})

t.test('an operator imports keys, copies a public key and deletes a tenant behind a typed confirmation, in Chromium', async t => {
  const { app, url } = await build(t, { listen: true })
  const create = async (payload: object): Promise<Record<string, any>> => {
    const res = await app.inject({ method: 'POST', url: '/v1/admin/tenants', headers: adminHeaders, payload })
    t.equal(res.statusCode, 201, res.body)
    return res.json()
  }
  await create({ id: 'imp-smooch', name: 'Import on Smooch', profile: 'smooch', generateKey: false })
  await create({ id: 'imp-sceyt', name: 'Import on Sceyt', profile: 'sceyt', profileOptions: { applicationId: 'app-1' } })
  const { page, consoleErrors } = await openBrowser(t, url, { width: 1280, height: 900 })
  await page.goto(`${url}/admin`)
  await page.getByLabel('Admin credential').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()

  // HS256: the platform's kid and secret; a placeholder is refused with one message naming /secret.
  await page.locator('[data-tenant="imp-smooch"]').click()
  await page.locator('#tenant-title', { hasText: 'Import on Smooch' }).waitFor()
  t.match(await page.locator('#keys').innerText(), 'import the platform\'s key below')
  await page.getByLabel('Key id', { exact: true }).fill('app_5c1b')
  await page.getByLabel('Secret', { exact: true }).fill('<secret from the Smooch dashboard>')
  await page.getByRole('button', { name: 'Import key' }).click()
  const refused = await errorText(page)
  t.match(refused, '400')
  t.equal(refused.split('/secret').length - 1, 1, 'the field error is shown once, not also as the detail')
  t.match(refused, 'is a placeholder')
  t.equal(await page.getByLabel('Secret', { exact: true }).getAttribute('aria-invalid'), 'true')
  const secret = 'a-real-secret-from-smooch-0123456789'
  await page.getByLabel('Secret', { exact: true }).fill(secret)
  await page.getByRole('button', { name: 'Import key' }).click()
  await page.locator('table.keys tr[data-kid="app_5c1b"][data-state="active"]').waitFor()
  t.match(await page.locator('#messages .msg-ok').innerText(), 'Key app_5c1b imported: active')
  t.equal(await page.locator('table.keys tr[data-kid="app_5c1b"] button.copy').count(), 0, 'an HS256 key has no public key to copy')
  const apiKey = (await app.inject({ method: 'POST', url: '/v1/admin/tenants/imp-smooch/api-keys', headers: adminHeaders, payload: { name: 'b' } })).json().apiKey
  const issued = await issue(app, 'imp-smooch', apiKey, { userId: 'u-1' })
  t.equal(issued.json().kid, 'app_5c1b')
  await jwtVerify(issued.json().token, new TextEncoder().encode(secret), { algorithms: ['HS256'] })
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-key-imported.png'), fullPage: true })

  // Asymmetric: a PEM private key, scheduled; its public key is copied as PEM from the key list.
  await page.locator('[data-tenant="imp-sceyt"]').click()
  await page.locator('#tenant-title', { hasText: 'Import on Sceyt' }).waitFor()
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  await page.getByLabel('Private key (PEM)').fill(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
  await page.getByLabel('Key id (optional)').fill('sceyt-2')
  const later = new Date(Date.now() + 3600_000).toISOString().slice(0, 19)
  await page.getByLabel('Activate at (local time, optional)').fill(later)
  await page.getByRole('button', { name: 'Import key' }).click()
  await page.locator('table.keys tr[data-kid="sceyt-2"][data-state="pending"]').waitFor()
  const views = (await app.inject({ url: '/v1/admin/tenants/imp-sceyt/keys', headers: adminHeaders })).json().items as Array<{ kid: string, publicKeyPem: string, activateAt: string }>
  const imported = views.find(key => key.kid === 'sceyt-2')
  t.equal(imported?.activateAt, `${later}.000Z`, 'activateAt as entered')
  await page.getByRole('button', { name: 'Copy the public key of sceyt-2 (PEM)' }).click()
  await page.locator('tr[data-kid="sceyt-2"] .copy-status', { hasText: 'Copied' }).waitFor()
  t.equal(await page.evaluate(async () => await navigator.clipboard.readText()), imported?.publicKeyPem, 'the copy button copies the key\'s publicKeyPem')

  // At 1,280 px the key table fits: no horizontal scroll, every Revoke button whole.
  const wrap = page.locator('#keys .table-wrap')
  const { scrollWidth, clientWidth } = await wrap.evaluate(el => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }))
  t.ok(scrollWidth <= clientWidth, `the key table fits (${scrollWidth} <= ${clientWidth} px)`)
  for (const button of await page.locator('table.keys button', { hasText: 'Revoke' }).all()) {
    t.equal((await button.innerText()).trim(), 'Revoke', 'the Revoke label is whole')
  }
  await page.locator('#keys').screenshot({ path: join(SCREENSHOTS, 'dashboard-keys-1280.png') })

  // Deletion: the confirm button waits for the exact tenant id.
  await page.getByRole('button', { name: 'Delete tenant' }).click()
  const dialog = page.locator('#confirm-dialog')
  await dialog.waitFor()
  const confirm = dialog.getByRole('button', { name: 'Delete tenant' })
  t.ok(await confirm.isDisabled(), 'disabled until the id is typed')
  await page.getByLabel('Type imp-sceyt to confirm').fill('imp-scey')
  t.ok(await confirm.isDisabled(), 'a near miss is not enough')
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-delete-confirm.png') })
  await page.getByLabel('Type imp-sceyt to confirm').fill('imp-sceyt')
  t.notOk(await confirm.isDisabled())
  await confirm.click()
  await page.locator('[data-tenant="imp-sceyt"]').waitFor({ state: 'detached' })
  t.match(await page.locator('#messages .msg-ok').innerText(), 'Tenant imp-sceyt deleted.')
  t.equal((await app.inject({ url: '/v1/admin/tenants/imp-sceyt', headers: adminHeaders })).statusCode, 404, 'deleted on the server')
  t.equal(await page.locator('[data-tenant="imp-smooch"]').count(), 1, 'the other tenant stays')

  // Cancel deletes nothing, and the typed text does not carry over to the next dialog.
  await page.locator('[data-tenant="imp-smooch"]').click()
  await page.locator('#tenant-title', { hasText: 'Import on Smooch' }).waitFor()
  await page.getByRole('button', { name: 'Delete tenant' }).click()
  t.equal(await page.getByLabel('Type imp-smooch to confirm').inputValue(), '')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await dialog.waitFor({ state: 'hidden' })
  t.equal((await app.inject({ url: '/v1/admin/tenants/imp-smooch', headers: adminHeaders })).statusCode, 200, 'cancel deletes nothing')
  t.same(consoleErrors, [], 'no script error and no CSP violation')
})

t.test('the Verifiers panel lists who fetched the JWKS, and a gated pending key shows how many have it, in Chromium', async t => {
  const { app, url } = await build(t, { listen: true })
  const created = await app.inject({ method: 'POST', url: '/v1/admin/tenants', headers: adminHeaders, payload: { id: 'gated', name: 'Gated rotation', profile: 'sceyt', profileOptions: { applicationId: 'app-1' } } })
  t.equal(created.statusCode, 201, created.body)
  const firstKid = created.json().tenant?.activeKid ?? created.json().activeKid
  const fetchJwks = async (userAgent: string): Promise<void> => {
    t.equal((await app.inject({ url: '/t/gated/.well-known/jwks.json', headers: { 'user-agent': userAgent } })).statusCode, 200)
    await app.tokenmint.verifiers.flush()
  }
  await fetchJwks('gateway/2.1')
  await fetchJwks('edge-cache')
  await fetchJwks('edge-cache')

  const { page, consoleErrors } = await openBrowser(t, url, { width: 1360, height: 1000 })
  await page.goto(`${url}/admin`)
  await page.getByLabel('Admin credential').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('[data-tenant="gated"]').click()
  await page.locator('table.verifiers tbody tr').nth(1).waitFor()
  const rows = await page.locator('table.verifiers tbody tr').allInnerTexts()
  t.equal(rows.length, 2)
  t.match(rows[0], /edge-cache\s+127\.0\.0\.1[\s\S]*\s2\s/, 'the most recently seen first, with its address and fetches')
  t.match(rows[1], 'gateway/2.1')
  t.match(rows[1], firstKid, 'and the kids it holds')

  await page.locator('#rotate-prepublish').fill('600')
  await page.getByLabel('Wait for verifiers').check()
  await page.getByLabel('Wait at most (seconds)').fill('3600')
  await page.getByRole('button', { name: 'Schedule rotation' }).click()
  await page.locator('#messages .msg-ok').waitFor()
  const pendingKid = (await app.inject({ url: '/v1/admin/tenants/gated/keys', headers: adminHeaders })).json().items
    .find((key: { state: string }) => key.state === 'pending').kid as string
  const label = page.locator(`.tl-row[data-kid="${pendingKid}"] .tl-propagation`)
  t.match(await label.innerText(), /^0 of 2 verifiers have it · waits for them until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'the pending key: none has it yet, and its deadline')

  await fetchJwks('gateway/2.1')
  await page.getByRole('button', { name: 'Refresh' }).click()
  await page.locator(`.tl-row[data-kid="${pendingKid}"] .tl-propagation`, { hasText: '1 of 2 verifiers have it' }).waitFor()
  // The panel is reloaded after the timeline: wait for its new rows.
  const refetched = page.locator('table.verifiers tbody tr', { hasText: pendingKid })
  await refetched.waitFor()
  t.match(await refetched.innerText(), 'gateway/2.1', 'the verifier that fetched again holds the new kid')
  t.equal(await page.locator('table.verifiers tbody tr').first().innerText(), await refetched.innerText(), 'and is now the most recently seen')
  await page.locator('#verifiers').screenshot({ path: join(SCREENSHOTS, 'dashboard-verifiers.png') })
  t.same(consoleErrors, [])
})

t.test('an operator sees webhooks and their deliveries, sends a test event and retries a failed delivery, in Chromium', async t => {
  const clock = new FakeClock(Date.now())
  const { app, url } = await build(t, { listen: true, clock, env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '1' } })
  const receiver = await startReceiver(t)
  receiver.answer = () => 500
  const created = await app.inject({ method: 'POST', url: '/v1/admin/webhooks', headers: adminHeaders, payload: { url: receiver.url, events: ['*'], description: 'chat ops' } })
  t.equal(created.statusCode, 201)
  const webhookId = created.json().id as string
  const { page, consoleErrors } = await openBrowser(t, url, { width: 1360, height: 900 })
  await page.goto(`${url}/admin`)
  await page.getByLabel('Admin credential').fill(ADMIN_TOKEN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Webhooks' }).click()
  const card = page.locator(`[data-webhook="${webhookId}"]`)
  await card.waitFor()
  t.match(await card.innerText(), receiver.url)
  t.match(await card.innerText(), 'chat ops')
  t.match(await card.innerText(), 'No deliveries yet.')

  await card.getByRole('button', { name: 'Send test event' }).click()
  t.match(await page.locator('#messages').innerText(), 'webhook.test')
  await app.tokenmint.deliveries.tick()
  await card.getByRole('button', { name: 'Refresh' }).click()
  const row = card.locator('tr[data-status="pending"]')
  await row.waitFor()
  t.match(await row.innerText(), /webhook\.test[\s\S]*pending[\s\S]*1[\s\S]*HTTP 500/, 'status, attempts and the last answer')

  clock.advance(1000)
  await app.tokenmint.deliveries.tick()
  await card.getByRole('button', { name: 'Refresh' }).click()
  const failed = card.locator('tr[data-status="failed"]')
  await failed.waitFor()
  t.equal(await failed.locator('.attempts').innerText(), '2')
  await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-webhooks.png') })

  receiver.answer = () => 204
  await failed.getByRole('button', { name: 'Retry' }).click()
  // The retried delivery is pending only until the worker, woken by the retry, attempts it: the answer says so.
  await page.locator('#messages').getByText(/will be attempted again/).waitFor()
  await app.tokenmint.deliveries.tick()
  await card.getByRole('button', { name: 'Refresh' }).click()
  const delivered = card.locator('tr[data-status="delivered"]')
  await delivered.waitFor()
  t.equal(await delivered.locator('.attempts').innerText(), '3')
  t.equal(new Set(receiver.received.map(d => d.headers['webhook-id'])).size, 1, 'every attempt with the same webhook-id')
  t.same(consoleErrors, [])
})
