// Dashboard sessions as stored: who the session acts as, the digest of its CSRF token, and when it ends.
import type { Principal } from './authorize.js'

export interface SessionRecord {
  /** Random, 16 bytes in base64url; the session cookie's JWT names it (`sid`). */
  id: string
  principal: Omit<Principal, 'sessionId'>
  /** SHA-256 of the CSRF token, hex: the token itself is shown once, when the session opens. */
  csrfHash: string
  /** Epoch ms; the record expires with it. */
  expiresAt: number
}
