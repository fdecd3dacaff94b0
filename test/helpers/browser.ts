// Test helper: headless Chromium (playwright-core on /usr/bin/chromium) for the dashboard tests; screenshots go to test/screenshots (gitignored).
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import type { Test } from 'tap'

export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '../screenshots')
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

/** A Chromium page on `url` with clipboard access (closed in teardown), and the script errors it logs. */
export async function openBrowser (t: Test, url: string, viewport: { width: number, height: number }): Promise<{ page: Page, consoleErrors: string[] }> {
  await mkdir(SCREENSHOTS, { recursive: true })
  // Playwright gives every launch a fresh temporary --user-data-dir of its own (and refuses one in args).
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 20_000 })
  t.teardown(async () => { await browser.close() })
  const context = await browser.newContext({ timezoneId: 'UTC', viewport })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url })
  context.setDefaultTimeout(5000)
  const page = await context.newPage()
  const consoleErrors: string[] = []
  page.on('console', message => {
    // A refused API call is logged by the browser itself; the dashboard shows it in its message area.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) consoleErrors.push(message.text())
  })
  page.on('pageerror', err => { consoleErrors.push(err.message) })
  return { page, consoleErrors }
}
