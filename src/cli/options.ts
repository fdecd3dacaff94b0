// The CLI's connection settings: flags first, then TOKENMINT_* environment variables (the only place the CLI reads the environment).
import { UsageError } from './errors.js'

export const DEFAULT_URL = 'http://localhost:3000'

/** Environment variables the CLI reads, for help texts. */
export const ENV_VARS = {
  url: 'TOKENMINT_URL',
  adminToken: 'TOKENMINT_ADMIN_TOKEN',
  apiKey: 'TOKENMINT_API_KEY'
} as const

export type Env = Record<string, string | undefined>

/** Global flags as commander parses them. */
export interface GlobalFlags {
  url?: string
  adminToken?: string
  json?: boolean
}

export interface Connection {
  /** Base URL of the server (routes are appended to its path). */
  url: URL
  adminToken?: string
  /** A tenant API key (only `token` commands use it). */
  apiKey?: string
}

const nonEmpty = (value: string | undefined): string | undefined => value === undefined || value === '' ? undefined : value

/** Resolves where and how to connect; `env` defaults to the process environment. */
export function resolveConnection (flags: GlobalFlags & { apiKey?: string }, env: Env = process.env): Connection {
  const raw = nonEmpty(flags.url) ?? nonEmpty(env[ENV_VARS.url]) ?? DEFAULT_URL
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError(`--url / ${ENV_VARS.url} is not a URL: ${raw}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url / ${ENV_VARS.url} must be http(s): ${raw}`)
  if (url.username !== '' || url.password !== '') throw new UsageError(`--url / ${ENV_VARS.url} must not carry credentials; use ${ENV_VARS.adminToken}`)
  url.search = ''
  url.hash = ''
  const connection: Connection = { url }
  const adminToken = nonEmpty(flags.adminToken) ?? nonEmpty(env[ENV_VARS.adminToken])
  if (adminToken !== undefined) connection.adminToken = adminToken
  const apiKey = nonEmpty(flags.apiKey) ?? nonEmpty(env[ENV_VARS.apiKey])
  if (apiKey !== undefined) connection.apiKey = apiKey
  return connection
}
