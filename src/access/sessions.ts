// Dashboard sessions as stored: who the session acts as and when it ends.
import type { Principal } from './authorize.js'

export interface SessionRecord {
  /** Random, 16 bytes in base64url; the session cookie's JWT names it (`sid`). */
  id: string
  principal: Omit<Principal, 'sessionId' | 'sessionExpiresAt'>
  /** Epoch ms; the record expires with it. */
  expiresAt: number
  /** A session opened with ADMIN_TOKEN: the digest of that token (see rootBinding), so rotating it ends the session. */
  root?: string
}
