// The dashboard by role, in Chromium: an auditor sees no write control, a tenant-admin only its tenants, an admin the Credentials page.
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import t from 'tap'
import { build } from '../../helpers/build.js'
import { createCredential } from '../../helpers/access.js'
import { SCREENSHOTS, openBrowser } from '../../helpers/browser.js'
import { adminHeaders } from '../../helpers/tenants.js'

async function signIn (page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/admin`)
  await page.getByLabel('Admin credential').fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('#tenants-view').waitFor()
}

t.test('each role sees what it may do', async t => {
  const { app, url } = await build(t, { listen: true })
  for (const id of ['acme', 'acme-eu', 'other']) {
    t.equal((await app.inject({ method: 'POST', url: '/v1/admin/tenants', headers: adminHeaders, payload: { id, name: `Tenant ${id}`, profile: 'smooch' } })).statusCode, 201)
  }
  const { page, consoleErrors } = await openBrowser(t, url, { width: 1280, height: 900 })
  const visible = async (selector: string): Promise<number> => await page.locator(selector).filter({ visible: true }).count()

  t.test('an auditor: every tenant, read only', async t => {
    const auditor = await createCredential(app, 'auditor')
    await signIn(page, url, auditor.token)
    await page.locator('[data-tenant="other"]').waitFor()
    t.match(await page.locator('#whoami').innerText(), 'auditor credential · auditor')
    t.equal(await visible('#new-tenant'), 0, 'no New tenant')
    t.equal(await visible('#nav-credentials'), 0, 'no Credentials page')
    await page.locator('[data-tenant="acme"]').click()
    await page.locator('#tenant-title', { hasText: 'Tenant acme' }).waitFor()
    t.equal(await visible('#rotate-form, #rotation-form, #import-form, #apikey-form'), 0, 'no key or API-key form')
    t.equal(await page.getByRole('button', { name: /^(Revoke|Delete)/ }).filter({ visible: true }).count(), 0, 'no revoke or delete button')
    t.ok(await visible('#keys table') > 0, 'the keys are shown')
    await page.screenshot({ path: join(SCREENSHOTS, 'access-auditor.png'), fullPage: true })
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.locator('#signin-view').waitFor()
  })

  t.test('a tenant-admin: its tenants only, no tenant creation or deletion, its keys writable', async t => {
    const team = await createCredential(app, 'tenant-admin', ['acme', 'acme-eu'])
    await signIn(page, url, team.token)
    await page.locator('[data-tenant="acme-eu"]').waitFor()
    t.same(await page.locator('.tenant-item .tenant-id').allInnerTexts(), ['acme', 'acme-eu'], 'only its tenants')
    t.equal(await visible('#new-tenant'), 0)
    await page.locator('[data-tenant="acme"]').click()
    await page.locator('#tenant-title', { hasText: 'Tenant acme' }).waitFor()
    t.equal(await page.getByRole('button', { name: 'Delete tenant' }).filter({ visible: true }).count(), 0, 'no Delete tenant')
    t.equal(await visible('#rotate-form'), 1, 'it may rotate')
    await page.getByRole('button', { name: 'Audit log' }).first().click()
    await page.locator('#audit-title').waitFor()
    await page.locator('#audit-tenant').fill('')
    await page.locator('#audit-form').getByRole('button', { name: 'Show' }).click()
    await page.locator('table.audit tr[data-action="tenant.create"]').first().waitFor()
    const tenants = new Set(await page.locator('table.audit tbody tr td:nth-child(3)').allInnerTexts())
    t.same([...tenants].sort(), ['acme', 'acme-eu'], 'the audit log of its tenants only')
    await page.screenshot({ path: join(SCREENSHOTS, 'access-tenant-admin.png'), fullPage: true })
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.locator('#signin-view').waitFor()
  })

  t.test('an admin: the Credentials page creates (shown once, copied), lists with last use, deletes after confirmation', async t => {
    const admin = await createCredential(app, 'admin')
    await signIn(page, url, admin.token)
    await page.locator('#nav-credentials').click()
    await page.locator('#credentials-title').waitFor()
    await page.getByLabel('Name').fill('Acme team')
    await page.getByLabel('Role').selectOption('tenant-admin')
    await page.getByLabel('Tenants (tenant-admin only)').fill('acme')
    await page.getByRole('button', { name: 'Create credential' }).click()
    const secret = page.locator('.once input.secret')
    await secret.waitFor()
    const token = await secret.inputValue()
    t.match(token, /^tmo_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/)
    await page.locator('.once').getByRole('button', { name: 'Copy' }).click()
    await page.locator('.once .copy-status', { hasText: 'Copied' }).waitFor()
    t.equal(await page.evaluate(async () => await navigator.clipboard.readText()), token, 'copied')
    const whoami = await app.inject({ method: 'GET', url: '/v1/admin/whoami', headers: { authorization: `Bearer ${token}` } })
    t.match(whoami.json(), { name: 'Acme team', role: 'tenant-admin', tenants: ['acme'] }, 'the token works')
    const id = token.slice(4, 20)
    const row = page.locator(`tr[data-credential="${id}"]`)
    await row.waitFor()
    t.match(await page.locator(`tr[data-credential="${admin.id}"]`).innerText(), /admin/)
    await page.locator('#nav-tenants').click()
    await page.locator('#nav-credentials').click()
    await row.waitFor()
    t.notMatch(await row.innerText(), /never\s*$/, 'its last use is listed')
    t.equal(await page.locator('.once').count(), 0, 'the token is not shown again')
    await page.screenshot({ path: join(SCREENSHOTS, 'access-admin-credentials.png'), fullPage: true })
    await row.getByRole('button', { name: 'Delete credential Acme team' }).click()
    await page.locator('#confirm-ok', { hasText: 'Delete credential' }).click()
    await row.waitFor({ state: 'detached' })
    t.equal((await app.inject({ method: 'GET', url: '/v1/admin/whoami', headers: { authorization: `Bearer ${token}` } })).statusCode, 401, 'deleted')
  })

  t.test('no script error and no CSP violation', async t => {
    t.same(consoleErrors, [])
  })
})
