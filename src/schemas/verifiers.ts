// Schemas of the verifier list, the verifier counts on asymmetric keys, and the propagation gate of rotations.
import { Type, type Static } from 'typebox'

export const GateInputSchema = Type.Object({
  waitForVerifiers: Type.Optional(Type.Boolean({ description: 'Hold the new key pending while a verifier seen within VERIFIER_WINDOW has not fetched a JWKS holding it' })),
  maxDelay: Type.Optional(Type.Integer({ minimum: 0, description: 'With waitForVerifiers: seconds the activation may be held at most (default 86400)' }))
})

export const VerifierCountsSchema = Type.Object({
  seen: Type.Integer({ description: 'Verifiers seen within VERIFIER_WINDOW' }),
  withKey: Type.Integer({ description: 'Those of them whose last JWKS held this key' })
}, { description: 'Asymmetric keys: how many verifiers have this key' })

export const VerifierViewSchema = Type.Object({
  id: Type.String({ description: 'First 16 hex characters of SHA-256(<client address>\\n<User-Agent>)' }),
  ip: Type.String({ description: 'Client address (as TRUST_PROXY says)' }),
  userAgent: Type.String({ description: 'First 200 characters' }),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  fetches: Type.Integer({ description: 'JWKS and discovery fetches' }),
  kids: Type.Array(Type.String(), { description: 'Kids of the JWKS document it last received (a 304: the one whose ETag it sent)' })
})
export type VerifierView = Static<typeof VerifierViewSchema>

export const VerifierListSchema = Type.Object({ items: Type.Array(VerifierViewSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) })
export type VerifierList = Static<typeof VerifierListSchema>

export const VerifierQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' }))
}, { additionalProperties: false })
export type VerifierQuery = Static<typeof VerifierQuerySchema>
