// Standard Webhooks signatures: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> under each live secret.
import { createHmac, randomBytes } from 'node:crypto'

const PREFIX = 'whsec_'

/** `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret (): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`
}

/** The `webhook-signature` header: one `v1,<sig>` per secret, space-separated. */
export function signatureHeader (secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map(secret => {
    const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64')
    return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
  }).join(' ')
}
