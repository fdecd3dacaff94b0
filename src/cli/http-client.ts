// HTTP client of the CLI: JSON requests to the admin and tenant routes over global fetch, answers as ApiError / UnreachableError.
import { ENV_VARS, type Connection } from './options.js'
import { ApiError, UnreachableError, UsageError, type Problem } from './errors.js'

const TIMEOUT_MS = 30_000

export type Auth = 'admin' | 'api-key'

export interface RequestOptions {
  auth: Auth
  body?: unknown
  query?: Record<string, string | number | undefined>
}

/** Joins path segments, each URI-encoded. */
export function path (...segments: Array<string | number>): string {
  return segments.map(segment => '/' + encodeURIComponent(String(segment))).join('')
}

function reasonOf (err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${TIMEOUT_MS / 1000} s`
  const cause = (err as { cause?: { code?: unknown, message?: unknown } }).cause
  if (typeof cause?.code === 'string') return cause.code
  if (typeof cause?.message === 'string') return cause.message
  return err instanceof Error ? err.message : String(err)
}

export class TokenmintClient {
  constructor (private readonly connection: Connection) {}

  get baseUrl (): string {
    return this.connection.url.href.replace(/\/$/, '')
  }

  /** Sends one request; resolves with the parsed JSON body (undefined for 204), rejects with ApiError or UnreachableError. */
  async request<T = unknown> (method: string, route: string, options: RequestOptions): Promise<T> {
    const url = new URL(this.connection.url.pathname.replace(/\/+$/, '') + route, this.connection.url)
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value))
    }
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.credential(options.auth)}` }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    let text: string
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(TIMEOUT_MS)
      })
      text = await response.text()
    } catch (err) {
      throw new UnreachableError(this.baseUrl, reasonOf(err))
    }
    const parsed = parseJson(text)
    if (!response.ok) {
      const problem = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Problem : undefined
      throw new ApiError(response.status, response.statusText, problem, text)
    }
    return parsed as T
  }

  private credential (auth: Auth): string {
    if (auth === 'admin') {
      if (this.connection.adminToken === undefined) throw new UsageError(`no admin token: set ${ENV_VARS.adminToken} (or pass --admin-token)`)
      return this.connection.adminToken
    }
    if (this.connection.apiKey === undefined) throw new UsageError(`no API key: pass --api-key or set ${ENV_VARS.apiKey}`)
    return this.connection.apiKey
  }
}

function parseJson (text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
