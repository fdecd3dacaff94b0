// One delivery attempt: a POST with a timeout, no redirects, over a connection to the address the guard checked.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { forbiddenLiteral, guardedLookup, type UrlPolicy } from './url-guard.js'

/** The receiver's status code, or why there was none. */
export type AttemptOutcome = { status: number } | { error: string }

export interface SenderOptions {
  policy: UrlPolicy
  timeoutMs: number
}

/** Most bytes of an answer read (and dropped) before the connection is given back. */
const MAX_ANSWER_BYTES = 64 * 1024

export class WebhookSender {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 8 })
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 8 })
  private readonly closing = new AbortController()

  constructor (private readonly options: SenderOptions) {}

  /** Never rejects: every failure is an outcome. A 3xx is an answer like any other non-2xx: redirects are not followed. */
  async post (target: string, headers: Record<string, string>, body: string): Promise<AttemptOutcome> {
    let url: URL
    try {
      url = new URL(target)
    } catch {
      return { error: 'the URL is not valid' }
    }
    const refused = forbiddenLiteral(url, this.options.policy)
    if (refused !== undefined) return { error: `refused: a ${refused} address` }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.options.policy.allowHttp)) return { error: 'refused: the URL must use https' }
    const secure = url.protocol === 'https:'
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.timeoutMs)])
    return await new Promise<AttemptOutcome>(resolve => {
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: secure ? this.https : this.http,
        lookup: guardedLookup(this.options.policy),
        signal,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'tokenmint-webhooks' }
      }, (response: IncomingMessage) => {
        let read = 0
        response.on('data', (chunk: Buffer) => {
          read += chunk.length
          if (read > MAX_ANSWER_BYTES) response.destroy()
        })
        response.on('error', () => {})
        response.on('close', () => resolve({ status: response.statusCode ?? 0 }))
      })
      request.on('error', (err: NodeJS.ErrnoException) => {
        const reason = signal.aborted && !this.closing.signal.aborted ? `no answer within ${this.options.timeoutMs} ms` : err.code === 'WEBHOOK_URL_FORBIDDEN' ? `refused: ${err.message}` : err.code ?? err.message
        resolve({ error: reason })
      })
      request.end(body)
    })
  }

  /** Aborts the attempts in flight and closes the pooled connections. */
  close (): void {
    this.closing.abort()
    this.http.destroy()
    this.https.destroy()
  }
}
