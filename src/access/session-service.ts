// Dashboard sessions: opened for a principal, with a CSRF token bound to it, signed with a key sealed in the store, ended everywhere.
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { constantTimeEqual } from '../api-keys.js'
import type { Sealer } from '../crypto/envelope.js'
import type { Store } from '../store/store.js'
import type { Clock, SealedBlob } from '../types.js'
import type { Principal } from './authorize.js'
import type { SessionRecord } from './sessions.js'

/** What the session-signing key is sealed to: no tenant, and its own name. */
const KEY_AAD = { tenant: '', kid: 'session-key' }

export interface OpenedSession {
  record: SessionRecord
  csrfToken: string
}

/** The digest of ADMIN_TOKEN a root session is bound to: rotating ADMIN_TOKEN ends the sessions it opened. */
export function rootBinding (adminToken: string): string {
  return createHash('sha256').update(`tokenmint session root\n${adminToken}`).digest('hex')
}

export class SessionService {
  private key: Promise<string> | undefined

  constructor (
    private readonly store: Store,
    private readonly sealer: Sealer,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
    private readonly adminToken: string
  ) {}

  /**
   * The HMAC key of session JWTs: 32 random bytes made by the first instance that needs it, stored sealed under
   * the master key like any secret, so every instance signs and verifies with the same one.
   */
  async signingKey (): Promise<string> {
    this.key ??= this.store.sharedSecret('session-key', () => JSON.stringify(this.sealer.seal(randomBytes(32).toString('base64url'), KEY_AAD)))
      .then(sealed => this.sealer.open(JSON.parse(sealed) as SealedBlob, KEY_AAD))
      .catch((err: unknown) => {
        this.key = undefined
        throw err
      })
    return await this.key
  }

  async open (principal: Principal): Promise<OpenedSession> {
    const { sessionId: _none, sessionExpiresAt: _nor, ...who } = principal
    const record: SessionRecord = { id: randomBytes(16).toString('base64url'), principal: who, expiresAt: this.clock() + this.ttlSeconds * 1000 }
    if (principal.id === 'root') record.root = rootBinding(this.adminToken)
    await this.store.putSession(record, this.ttlSeconds * 1000)
    return { record, csrfToken: await this.csrfToken(record.id) }
  }

  /**
   * The session's CSRF token: an HMAC of its id under the signing key, so any instance can tell it (to the page that
   * holds the cookie, GET /v1/admin/session) and check it, and a page of another site can neither read nor make it.
   */
  async csrfToken (sessionId: string): Promise<string> {
    return createHmac('sha256', await this.signingKey()).update(`csrf\n${sessionId}`).digest('base64url')
  }

  async end (id: string): Promise<void> {
    await this.store.deleteSession(id)
  }

  /** Compared in constant time; both sides are HMAC-SHA256 values of 43 characters (the length is no secret). */
  async csrfValid (sessionId: string, token: string | undefined): Promise<boolean> {
    return token !== undefined && constantTimeEqual(await this.csrfToken(sessionId), token)
  }
}
