// Drives the real tokenmint for the bench: build, start the file `npm start` runs (dist/plugins/server.js) on a bench Redis, readiness, admin set-up, sanity checks.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createVerifier } from 'fast-jwt'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose'
import type { LoadRequest } from './load.js'
import { freePort, spawnTracked, type Child } from './processes.js'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The file `npm start` runs (`node <entry>` in package.json), so the bench follows the project; dist/plugins/server.js if none. */
function serverEntry (): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }
    const match = /^node\s+(\S+\.js)\s*$/.exec(pkg.scripts?.start ?? '')
    if (match !== null) return match[1]
  } catch { /* fall through */ }
  return 'dist/plugins/server.js'
}

export const SERVER_ENTRY = serverEntry()

/** Environment variables tokenmint reads; inherited values are dropped so the bench controls them all. */
const TOKENMINT_VARIABLES = [
  'PORT', 'HOST', 'PUBLIC_URL', 'REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_PREFIX', 'MASTER_KEY', 'MASTER_KEY_PREVIOUS',
  'ADMIN_TOKEN', 'LOG_LEVEL', 'CACHE_MAX_TENANTS', 'CACHE_TTL_MS', 'STALE_MAX_MS', 'JWKS_MAX_AGE', 'ROTATION_TICK_MS',
  'METRICS_TENANT_LABEL_MAX', 'REDIS_COMMAND_TIMEOUT_MS', 'ROTATION_MIN_PERIOD', 'KEYRING_MAX_RETIRED', 'AUDIT_RETENTION_DAYS',
  'VERIFIERS_MAX', 'VERIFIER_WINDOW',
  'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_RETRY_SCHEDULE', 'WEBHOOK_ALLOW_HTTP', 'WEBHOOK_ALLOW_PRIVATE'
]

export interface TokenmintSettings {
  redisUrl: string
  masterKey: string
  adminToken: string
  prefix: string
  /** Extra variables (--env KEY=VALUE), applied last. */
  extraEnv: Record<string, string>
  /** Extra node flags, e.g. --cpu-prof for the profiler. */
  nodeArgs: string[]
  /** Server entry, relative to the repository root or absolute. */
  entry: string
}

export function newSettings (redisUrl: string, extraEnv: Record<string, string> = {}, nodeArgs: string[] = [], entry = SERVER_ENTRY): TokenmintSettings {
  return {
    entry,
    redisUrl,
    masterKey: randomBytes(32).toString('base64'),
    adminToken: `bench-admin-${randomBytes(18).toString('base64url')}`,
    prefix: `bench${randomBytes(3).toString('hex')}:`,
    extraEnv,
    nodeArgs
  }
}

function environment (settings: TokenmintSettings, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of TOKENMINT_VARIABLES) delete env[name]
  return {
    ...env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    REDIS_URL: settings.redisUrl,
    REDIS_PREFIX: settings.prefix,
    MASTER_KEY: settings.masterKey,
    ADMIN_TOKEN: settings.adminToken,
    LOG_LEVEL: 'warn',
    ...settings.extraEnv
  }
}

/** `npm run build`; resolves with its duration in ms. */
export async function buildTokenmint (timeoutMs = 180_000): Promise<number> {
  const started = Date.now()
  const child = spawnTracked('npm run build', 'npm', ['run', 'build'], { cwd: ROOT })
  const timer = setTimeout(() => { child.stop(1000).catch(() => {}) }, timeoutMs)
  const code = await child.exited
  clearTimeout(timer)
  if (code !== 0) throw new Error(`npm run build failed (${code}):\n${child.tail()}`)
  return Date.now() - started
}

export interface TokenmintInstance {
  child: Child
  port: number
  baseUrl: string
  adminToken: string
  /** Spawn to first /readyz 200, ms. */
  readyMs: number
}

async function readyOnce (baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) })
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}

/** Spawns tokenmint and polls GET /readyz every 10 ms until 200 (bounded). */
export async function startTokenmint (settings: TokenmintSettings, readyTimeoutMs = 20_000): Promise<TokenmintInstance> {
  if (!existsSync(resolve(ROOT, settings.entry))) {
    throw new Error(`${settings.entry} not found: run \`npm run build\` (or drop --no-build)`)
  }
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const started = process.hrtime.bigint()
  const child = spawnTracked('tokenmint', process.execPath, [...settings.nodeArgs, settings.entry], { cwd: ROOT, env: environment(settings, port) })
  const deadline = Date.now() + readyTimeoutMs
  while (Date.now() < deadline) {
    if (!child.isRunning()) throw new Error(`tokenmint exited before it was ready:\n${child.tail()}`)
    if (await readyOnce(baseUrl)) {
      return { child, port, baseUrl, adminToken: settings.adminToken, readyMs: Number(process.hrtime.bigint() - started) / 1e6 }
    }
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  await child.stop()
  throw new Error(`tokenmint /readyz not 200 after ${readyTimeoutMs} ms:\n${child.tail()}`)
}

/** Starts and stops tokenmint `samples` times; returns each spawn-to-ready time in ms. */
export async function measureStartup (settings: TokenmintSettings, samples: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    const instance = await startTokenmint(settings)
    times.push(Math.round(instance.readyMs))
    await instance.child.stop()
  }
  return times
}

export interface HttpResult { status: number, body: unknown, text: string }

export async function call (baseUrl: string, method: string, path: string, options: { token?: string, body?: unknown } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(10_000)
  })
  const text = await response.text()
  let body: unknown
  try { body = JSON.parse(text) } catch { body = undefined }
  return { status: response.status, body, text }
}

export type BenchAlg = 'HS256' | 'RS256' | 'ES256' | 'EdDSA'

export interface BenchTenant {
  id: string
  alg: BenchAlg
  apiKey: string
  /** HS256 only: initialSecret returned at creation. */
  secret?: string
}

/** Request claims schema of the custom-profile tenants: the same body as smooch. */
const CUSTOM_CLAIMS_SCHEMA = {
  type: 'object',
  required: ['userId'],
  additionalProperties: false,
  properties: { userId: { type: 'string', minLength: 1, maxLength: 255 } }
}

/** A rate limit that is on (counted in Redis) but never reached. */
export const NEVER_HIT_RATE_LIMIT = { max: 1e9, timeWindow: 60_000 }

function tenantBody (id: string, alg: BenchAlg): Record<string, unknown> {
  const common = { id, name: `bench ${id}`, rateLimit: NEVER_HIT_RATE_LIMIT }
  return alg === 'HS256'
    ? { ...common, profile: 'smooch' }
    : { ...common, profile: 'custom', alg, claimsSchema: CUSTOM_CLAIMS_SCHEMA }
}

function field (body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined
}

/** Creates a tenant (smooch for HS256, custom otherwise) and one API key for it. */
export async function createTenant (baseUrl: string, adminToken: string, id: string, alg: BenchAlg): Promise<BenchTenant> {
  const created = await call(baseUrl, 'POST', '/v1/admin/tenants', { token: adminToken, body: tenantBody(id, alg) })
  if (created.status !== 201) throw new Error(`POST /v1/admin/tenants (${id}) → ${created.status} ${created.text.slice(0, 500)}`)
  const secret = field(created.body, 'initialSecret')
  if (alg === 'HS256' && typeof secret !== 'string') throw new Error(`tenant ${id}: no initialSecret in ${created.text.slice(0, 300)}`)
  const key = await call(baseUrl, 'POST', `/v1/admin/tenants/${id}/api-keys`, { token: adminToken, body: { name: 'bench' } })
  const apiKey = field(key.body, 'apiKey')
  if (key.status !== 201 || typeof apiKey !== 'string') throw new Error(`POST api-keys (${id}) → ${key.status} ${key.text.slice(0, 300)}`)
  return { id, alg, apiKey, secret: typeof secret === 'string' ? secret : undefined }
}

export interface BulkResult { tenants: BenchTenant[], ms: number, failures: number, firstError?: string, stoppedEarly: boolean }

/** Creates tenants `${prefix}${i}` with bounded concurrency; stops early when `shouldStop()` says so or after 20 failures. */
export async function createTenants (baseUrl: string, adminToken: string, prefix: string, count: number, concurrency: number, shouldStop: () => boolean): Promise<BulkResult> {
  const started = Date.now()
  const tenants: BenchTenant[] = []
  let next = 0
  let failures = 0
  let firstError: string | undefined
  let stoppedEarly = false
  const worker = async (): Promise<void> => {
    while (next < count && failures < 20) {
      if (shouldStop()) { stoppedEarly = true; return }
      const i = next++
      try {
        tenants.push(await createTenant(baseUrl, adminToken, `${prefix}${i}`, 'HS256'))
      } catch (err) {
        failures++
        firstError ??= (err as Error).message
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return { tenants, ms: Date.now() - started, failures, firstError, stoppedEarly: stoppedEarly || failures >= 20 }
}

export const ISSUE_BODY = JSON.stringify({ userId: 'u1' })

export function issueHeaders (apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }
}

/** One tenant's issuance request: its path and API key, the bench body. */
export function issueRequest (tenant: { id: string, apiKey: string }): LoadRequest {
  return { method: 'POST', path: `/v1/tenants/${tenant.id}/tokens`, headers: issueHeaders(tenant.apiKey), body: ISSUE_BODY }
}

/** The issuance request of each tenant (its path and API key), for a load that picks one at random per request. */
export function issueVariants (tenants: readonly BenchTenant[]): Array<{ path: string, headers: Record<string, string> }> {
  return tenants.map(t => ({ path: `/v1/tenants/${t.id}/tokens`, headers: issueHeaders(t.apiKey) }))
}

/** Issues one token and verifies it (HS256 with the initial secret, others against the tenant's JWKS); returns a problem or undefined. */
export async function sanityCheck (baseUrl: string, tenant: BenchTenant): Promise<string | undefined> {
  const issued = await call(baseUrl, 'POST', `/v1/tenants/${tenant.id}/tokens`, { token: tenant.apiKey, body: { userId: 'u1' } })
  if (issued.status !== 201) return `issue ${tenant.id} → ${issued.status} ${issued.text.slice(0, 300)}`
  const token = field(issued.body, 'token')
  if (typeof token !== 'string') return `issue ${tenant.id}: no token in ${issued.text.slice(0, 300)}`
  try {
    if (tenant.alg === 'HS256') {
      const claims = createVerifier({ key: tenant.secret ?? '', algorithms: ['HS256'] })(token) as Record<string, unknown>
      if (claims.userId !== 'u1') return `token of ${tenant.id} has userId ${String(claims.userId)}`
    } else {
      const jwks = await call(baseUrl, 'GET', `/v1/tenants/${tenant.id}/jwks.json`)
      if (jwks.status !== 200) return `jwks ${tenant.id} → ${jwks.status}`
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks.body as JSONWebKeySet))
      if (protectedHeader.alg !== tenant.alg) return `token of ${tenant.id} has alg ${protectedHeader.alg}`
      if (payload.userId !== 'u1') return `token of ${tenant.id} has userId ${String(payload.userId)}`
    }
  } catch (err) {
    return `token of ${tenant.id} does not verify: ${(err as Error).message}`
  }
  return undefined
}

export interface KeygenResult { generated: number, failed: number, firstError?: string }

/**
 * Keeps `parallel` RSA-4096 generations (POST .../keys) running on `tenant` until stop(), which waits for those
 * in flight: they would otherwise slow the next measurement. Each call is bounded by a 60 s timeout.
 */
export function keepGenerating (baseUrl: string, adminToken: string, tenant: string, parallel: number): { stop: () => Promise<KeygenResult> } {
  const state = { stopped: false }
  const result: KeygenResult = { generated: 0, failed: 0 }
  const loop = async (): Promise<void> => {
    while (!state.stopped) {
      try {
        const response = await fetch(`${baseUrl}/v1/admin/tenants/${tenant}/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ alg: 'RS256', modulusLength: 4096 }),
          signal: AbortSignal.timeout(60_000)
        })
        const text = await response.text()
        if (response.status === 201) result.generated++
        else {
          result.failed++
          result.firstError ??= `${response.status} ${text.slice(0, 200)}`
        }
      } catch (err) {
        result.failed++
        result.firstError ??= (err as Error).message
      }
    }
  }
  const loops = Array.from({ length: parallel }, loop)
  return {
    stop: async () => {
      state.stopped = true
      await Promise.all(loops)
      return result
    }
  }
}
