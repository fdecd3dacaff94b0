// The service's configuration: the environment read once, validated into a typed object. Apart from the CLI's own TOKENMINT_* variables (src/cli/options.ts), nothing else in src/ or plugins/ reads process.env.
import { randomBytes, createHash } from 'node:crypto'
import { parseRoleMappings, type RoleMapping } from './access/oidc-roles.js'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
/** The generated one has 32 (24 random bytes in base64url). */
const ADMIN_TOKEN_MIN_LENGTH = 32

export interface MasterKey {
  id: string
  key: Buffer
}

export interface Config {
  port: number
  host: string
  publicUrl: string
  redisUrl?: string
  redisClusterNodes?: Array<{ host: string, port: number }>
  /** Redis Sentinel: the sentinels to ask for the current primary of `redisSentinelName`. */
  redisSentinels?: Array<{ host: string, port: number }>
  redisSentinelName: string
  /** Replicas that must acknowledge an admin write (Redis WAIT) before it answers 2xx; 0 waits for none. */
  redisMinReplicas: number
  redisPrefix: string
  /** The current master key seals new records; previous ones still open old records. */
  masterKey: MasterKey
  previousMasterKeys: MasterKey[]
  adminToken: string
  /** Bearer token that may scrape GET /metrics besides the admin credential; unset: the admin credential only. */
  metricsToken?: string
  logLevel: LogLevel
  cacheMaxTenants: number
  cacheTtlMs: number
  staleMaxMs: number
  /** Upper bound of the JWKS Cache-Control max-age, seconds. */
  jwksMaxAge: number
  /** How often an instance looks for due periodic rotations. */
  rotationTickMs: number
  /** Most distinct tenant values in metric labels; the rest count as "other". */
  metricsTenantLabelMax: number
  /** Shortest periodic-rotation `every` accepted, seconds. */
  rotationMinPeriod: number
  /** Most retired keys a keyring keeps; older retired keys are destroyed, material included. */
  keyringMaxRetired: number
  /** How long audit entries are kept, days. */
  auditRetentionDays: number
  /** Time a Redis command may take before it fails. */
  redisCommandTimeoutMs: number
  /** RSA key generations one instance runs at once, in worker threads. */
  keygenConcurrency: number
  /** Fastify's trustProxy: false, true, a hop count, or addresses/CIDRs of trusted proxies. */
  trustProxy: boolean | number | string
  /** Most verifiers kept per tenant; the least recently seen are dropped first. */
  verifiersMax: number
  /** Verifiers seen within this many seconds count for key lists and propagation-gated activation. */
  verifierWindow: number
  /** Embedded dev mode: in-process store, generated secrets. */
  embedded: boolean
  /** Set when the admin token was generated for this process and must be shown once. */
  generatedAdminToken: boolean
  /** Time a webhook receiver has to answer one delivery attempt. */
  webhookTimeoutMs: number
  /** Seconds to wait before each retry of a failed attempt; past the last, a delivery is failed. */
  webhookRetrySchedule: number[]
  /** Webhook URLs may use http (tests, private networks). */
  webhookAllowHttp: boolean
  /** Webhook URLs may point at loopback, private, link-local and unspecified addresses (tests, private networks). */
  webhookAllowPrivate: boolean
  /** Failed admin authentications one client address may make in 60 s; more answer 429. */
  authFailuresMax: number
  /** Longest life of a dashboard session, seconds. */
  sessionTtl: number
  /** Single sign-on for operators (OPERATOR_OIDC_*), when the issuer, client id and secret are all set. */
  operatorOidc?: OperatorOidcConfig
}

export interface OperatorOidcConfig {
  issuer: string
  clientId: string
  clientSecret: string
  /** The claim whose values map to roles (default groups). */
  claim: string
  roles: RoleMapping[]
}

function operatorOidc (env: Env): OperatorOidcConfig | undefined {
  const names = ['OPERATOR_OIDC_ISSUER', 'OPERATOR_OIDC_CLIENT_ID', 'OPERATOR_OIDC_CLIENT_SECRET'] as const
  const set = names.filter(name => env[name] !== undefined && env[name] !== '')
  if (set.length === 0) return undefined
  const missing = names.find(name => !set.includes(name))
  if (missing !== undefined) throw new ConfigError(missing, `is required with ${set.join(' and ')}`)
  const issuer = url('OPERATOR_OIDC_ISSUER', env.OPERATOR_OIDC_ISSUER as string, ['https:', 'http:'])
  const host = new URL(issuer).hostname
  if (issuer.startsWith('http:') && host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new ConfigError('OPERATOR_OIDC_ISSUER', 'must use https (http only on a loopback address)')
  let roles: RoleMapping[]
  try {
    roles = parseRoleMappings(env.OPERATOR_OIDC_ROLES ?? '')
  } catch (err) {
    throw new ConfigError('OPERATOR_OIDC_ROLES', (err as Error).message)
  }
  if (roles.length === 0) throw new ConfigError('OPERATOR_OIDC_ROLES', 'must map at least one value to a role, e.g. tm-admins=admin')
  const claim = env.OPERATOR_OIDC_CLAIM !== undefined && env.OPERATOR_OIDC_CLAIM !== '' ? env.OPERATOR_OIDC_CLAIM : 'groups'
  return { issuer, clientId: env.OPERATOR_OIDC_CLIENT_ID as string, clientSecret: env.OPERATOR_OIDC_CLIENT_SECRET as string, claim, roles }
}

export class ConfigError extends Error {
  readonly variable: string
  constructor (variable: string, reason: string) {
    super(`invalid configuration: ${variable} ${reason}`)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

type Env = Record<string, string | undefined>

function integer (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, 'must be a whole number')
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`)
  return value
}

export function masterKeyFrom (name: string, raw: string): MasterKey {
  const trimmed = raw.trim()
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) throw new ConfigError(name, 'must be 32 bytes encoded in base64')
  const key = Buffer.from(trimmed, 'base64')
  if (key.length !== 32) throw new ConfigError(name, 'must be 32 bytes encoded in base64')
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key }
}

function hostPorts (name: string, raw: string): Array<{ host: string, port: number }> {
  const nodes = raw.split(',').map(s => s.trim()).filter(Boolean).map(entry => {
    const match = /^(.+):(\d{1,5})$/.exec(entry)
    if (match === null || Number(match[2]) > 65535) throw new ConfigError(name, 'must be a comma-separated list of host:port')
    return { host: match[1], port: Number(match[2]) }
  })
  if (nodes.length === 0) throw new ConfigError(name, 'must name at least one host:port')
  return nodes
}

function url (name: string, raw: string, protocols: string[]): string {
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, 'must be a URL')
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}`)
  return raw
}

function flag (env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim()
  if (raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  throw new ConfigError(name, 'must be true or false')
}

/** WEBHOOK_RETRY_SCHEDULE: seconds, comma-separated; each between 1 s and one day. */
function retrySchedule (env: Env): number[] {
  const raw = (env.WEBHOOK_RETRY_SCHEDULE ?? '').trim()
  if (raw === '') return [5, 300, 1800, 7200, 18_000, 36_000, 36_000]
  const schedule = raw.split(',').map(s => s.trim())
  if (schedule.length > 20 || !schedule.every(s => /^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 86_400)) {
    throw new ConfigError('WEBHOOK_RETRY_SCHEDULE', 'must be up to 20 comma-separated whole seconds, each from 1 to 86400')
  }
  return schedule.map(Number)
}

/** Validates `env` (process.env by default) into a Config, or throws ConfigError naming the variable. */
export function loadConfig (env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535)
  const redisUrl = env.REDIS_URL !== undefined && env.REDIS_URL !== '' ? url('REDIS_URL', env.REDIS_URL, ['redis:', 'rediss:']) : undefined
  const redisClusterNodes = env.REDIS_CLUSTER_NODES !== undefined && env.REDIS_CLUSTER_NODES !== '' ? hostPorts('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES) : undefined
  const redisSentinels = env.REDIS_SENTINELS !== undefined && env.REDIS_SENTINELS !== '' ? hostPorts('REDIS_SENTINELS', env.REDIS_SENTINELS) : undefined
  if (redisSentinels !== undefined && (redisUrl !== undefined || redisClusterNodes !== undefined)) {
    throw new ConfigError('REDIS_SENTINELS', 'cannot be combined with REDIS_URL or REDIS_CLUSTER_NODES')
  }
  const redisSentinelName = env.REDIS_SENTINEL_NAME !== undefined && env.REDIS_SENTINEL_NAME !== '' ? env.REDIS_SENTINEL_NAME : 'mymaster'
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(redisSentinelName)) throw new ConfigError('REDIS_SENTINEL_NAME', 'must be up to 64 characters of letters, digits, ".", "_" or "-"')
  const embedded = redisUrl === undefined && redisClusterNodes === undefined && redisSentinels === undefined
  // Dev mode prints its generated admin token: only this machine may reach it unless HOST says otherwise.
  const host = env.HOST !== undefined && env.HOST !== '' ? env.HOST : embedded ? '127.0.0.1' : '0.0.0.0'

  let masterKey: MasterKey
  if (env.MASTER_KEY !== undefined && env.MASTER_KEY !== '') {
    masterKey = masterKeyFrom('MASTER_KEY', env.MASTER_KEY)
    // Previous keys are not checked: a weak key can only be retired by keeping it as a previous one for a while.
    if (masterKey.key.every(byte => byte === masterKey.key[0])) throw new ConfigError('MASTER_KEY', 'must not be one byte repeated: generate it, e.g. openssl rand -base64 32')
  } else if (embedded) {
    masterKey = masterKeyFrom('MASTER_KEY', randomBytes(32).toString('base64'))
  } else {
    throw new ConfigError('MASTER_KEY', 'is required when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is set')
  }
  const previousMasterKeys = (env.MASTER_KEY_PREVIOUS ?? '').split(',').map(s => s.trim()).filter(Boolean)
    .map(raw => masterKeyFrom('MASTER_KEY_PREVIOUS', raw))

  let adminToken = env.ADMIN_TOKEN ?? ''
  let generatedAdminToken = false
  if (adminToken === '') {
    if (!embedded) throw new ConfigError('ADMIN_TOKEN', 'is required when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is set')
    adminToken = randomBytes(24).toString('base64url')
    generatedAdminToken = true
  } else if (adminToken.length < ADMIN_TOKEN_MIN_LENGTH) {
    throw new ConfigError('ADMIN_TOKEN', `must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters`)
  }

  const metricsToken = env.METRICS_TOKEN !== undefined && env.METRICS_TOKEN !== '' ? env.METRICS_TOKEN : undefined
  if (metricsToken !== undefined && metricsToken.length < ADMIN_TOKEN_MIN_LENGTH) {
    throw new ConfigError('METRICS_TOKEN', `must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters`)
  }

  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)

  const publicUrl = (env.PUBLIC_URL !== undefined && env.PUBLIC_URL !== ''
    ? url('PUBLIC_URL', env.PUBLIC_URL, ['http:', 'https:'])
    : `http://localhost:${port}`).replace(/\/+$/, '')

  const prefix = env.REDIS_PREFIX ?? 'tm:'
  if (!/^[A-Za-z0-9:_.-]{0,64}$/.test(prefix) || prefix.includes('{')) throw new ConfigError('REDIS_PREFIX', 'must be up to 64 characters of letters, digits, ":", "_", "." or "-"')

  const rawProxy = (env.TRUST_PROXY ?? '').trim()
  let trustProxy: boolean | number | string = false
  if (rawProxy === 'true') trustProxy = true
  else if (/^\d{1,2}$/.test(rawProxy)) trustProxy = Number(rawProxy)
  else if (/^[0-9a-fA-F.:/, ]+$/.test(rawProxy)) trustProxy = rawProxy
  else if (rawProxy !== '' && rawProxy !== 'false') throw new ConfigError('TRUST_PROXY', 'must be true, false, a hop count or a list of proxy addresses')

  return {
    trustProxy,
    port,
    host,
    publicUrl,
    redisUrl,
    redisClusterNodes,
    redisSentinels,
    redisSentinelName,
    redisMinReplicas: integer(env, 'REDIS_MIN_REPLICAS', 0, 0, 16),
    redisPrefix: prefix,
    masterKey,
    previousMasterKeys,
    adminToken,
    metricsToken,
    logLevel,
    cacheMaxTenants: integer(env, 'CACHE_MAX_TENANTS', 10000, 1, 10_000_000),
    cacheTtlMs: integer(env, 'CACHE_TTL_MS', 30_000, 0, 86_400_000),
    staleMaxMs: integer(env, 'STALE_MAX_MS', 600_000, 0, 86_400_000),
    jwksMaxAge: integer(env, 'JWKS_MAX_AGE', 300, 0, 300),
    rotationTickMs: integer(env, 'ROTATION_TICK_MS', 1000, 50, 3_600_000),
    metricsTenantLabelMax: integer(env, 'METRICS_TENANT_LABEL_MAX', 100, 0, 100_000),
    redisCommandTimeoutMs: integer(env, 'REDIS_COMMAND_TIMEOUT_MS', 1000, 50, 60_000),
    keygenConcurrency: integer(env, 'KEYGEN_CONCURRENCY', 1, 1, 64),
    rotationMinPeriod: integer(env, 'ROTATION_MIN_PERIOD', 3600, 1, 3_153_600_000),
    keyringMaxRetired: integer(env, 'KEYRING_MAX_RETIRED', 20, 0, 10_000),
    auditRetentionDays: integer(env, 'AUDIT_RETENTION_DAYS', 365, 1, 36_500),
    verifiersMax: integer(env, 'VERIFIERS_MAX', 1000, 1, 100_000),
    verifierWindow: integer(env, 'VERIFIER_WINDOW', 604_800, 1, 31_536_000),
    embedded,
    generatedAdminToken,
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
    webhookRetrySchedule: retrySchedule(env),
    webhookAllowHttp: flag(env, 'WEBHOOK_ALLOW_HTTP'),
    webhookAllowPrivate: flag(env, 'WEBHOOK_ALLOW_PRIVATE'),
    authFailuresMax: integer(env, 'AUTH_FAILURES_MAX', 20, 1, 1_000_000),
    sessionTtl: integer(env, 'SESSION_TTL', 8 * 3600, 60, 30 * 86400),
    operatorOidc: operatorOidc(env)
  }
}
