// The operator dashboard at /admin: static HTML, CSS and ES modules from public/admin, and the profiles it offers, under a strict CSP.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { TokenmintError } from '../../src/errors.js'
import { describeProfiles } from '../../src/profiles/index.js'

export interface DashboardOptions {
  /** Folder holding index.html and its assets (default: public/admin of the project). */
  root?: string
}

/** Nothing but same-origin scripts, styles and API calls; no inline code, no framing, no third parties. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml'
}

const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(html|js|css|svg)$/

/** public/admin from the source tree (plugins/routes) or from the build (dist/plugins/routes). */
function defaultRoot (): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [resolve(here, '../../public/admin'), resolve(here, '../../../public/admin')]
  return candidates.find(dir => existsSync(join(dir, 'index.html'))) ?? candidates[0]
}

/** Every servable file of the folder, read once: name → body and content type. */
function loadAssets (root: string): Map<string, { body: Buffer, type: string }> {
  const assets = new Map<string, { body: Buffer, type: string }>()
  for (const name of readdirSync(root)) {
    const type = CONTENT_TYPES[extname(name)]
    if (ASSET_NAME.test(name) && type !== undefined) assets.set(name, { body: readFileSync(join(root, name)), type })
  }
  return assets
}

export default async function dashboardRoutes (app: FastifyInstance, options: DashboardOptions) {
  const root = options.root ?? defaultRoot()
  // A deployment without the public folder still serves the API; it only lacks the dashboard.
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'dashboard files not found: /admin is not served')
    return
  }
  const assets = loadAssets(root)
  const index = assets.get('index.html') as { body: Buffer, type: string }
  // The form's profile picker and option fields come from the profile registry, never restated in the browser code.
  const profiles = JSON.stringify({ profiles: describeProfiles() })

  // Encapsulated: these headers go on the dashboard's responses only, errors included.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', DASHBOARD_CSP)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-frame-options', 'DENY')
    reply.header('cache-control', 'no-cache')
    return payload
  })

  const page = { schema: { hide: true } }
  app.get('/admin', page, async (_request, reply) => await reply.type(index.type).send(index.body))
  app.get('/admin/', page, async (_request, reply) => await reply.type(index.type).send(index.body))
  app.get('/admin/profiles.json', page, async (_request, reply) => await reply.type('application/json; charset=utf-8').send(profiles))
  // What the sign-in page offers: the single sign-on link when an identity provider is configured.
  const signIn = JSON.stringify({ sso: app.tokenmint.config.operatorOidc !== undefined })
  app.get('/admin/sign-in.json', page, async (_request, reply) => await reply.type('application/json; charset=utf-8').send(signIn))
  app.get<{ Params: { file: string } }>('/admin/:file', page, async (request, reply) => {
    const asset = assets.get(request.params.file)
    if (asset === undefined) throw new TokenmintError('NOT_FOUND', `no dashboard file ${request.params.file}`)
    return await reply.type(asset.type).send(asset.body)
  })
}
