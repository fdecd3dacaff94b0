// Schemas of the key, rotation, API-key and audit admin routes, and the types the service and the CLI take from them.
import { Type, type Static } from 'typebox'
import { KEY_STATES } from '../keys/key-state.js'
import { ALGS } from '../types.js'
import { TenantId, TimeInput, Warnings, onePage } from './common.js'
import { GateInputSchema, VerifierCountsSchema } from './verifiers.js'

export const KeyViewSchema = Type.Object({
  kid: Type.String(),
  alg: Type.Enum(ALGS),
  source: Type.String(),
  state: Type.Enum(KEY_STATES),
  published: Type.Boolean(),
  createdAt: Type.String(),
  publishAt: Type.String(),
  activateAt: Type.String(),
  revokedAt: Type.Optional(Type.String()),
  promotedAt: Type.Optional(Type.String({ description: 'When this key became active before its activateAt, because the active key was revoked' })),
  retiresAt: Type.Optional(Type.String()),
  activateBy: Type.Optional(Type.String({ description: 'Propagation-gated activation: the deadline; activateAt is the current plan' })),
  verifiers: Type.Optional(VerifierCountsSchema),
  publicKeyPem: Type.Optional(Type.String({ description: 'Asymmetric keys: the public key as SPKI PEM, for platforms that take a key rather than a JWKS URL' }))
})
export type KeyView = Static<typeof KeyViewSchema>
export const KeyListSchema = onePage(KeyViewSchema)
export const KidParamsSchema = Type.Object({ tenant: TenantId, kid: Type.String({ minLength: 1, maxLength: 128 }) })
export type KeyList = Static<typeof KeyListSchema>

export const KeyCreateSchema = Type.Object({
  alg: Type.Optional(Type.String({ maxLength: 16, description: 'Generate with this alg, or check an imported key against it' })),
  kid: Type.Optional(Type.String({ maxLength: 128 })),
  secret: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'HS256 secret to import (from the platform dashboard)' })),
  privateKeyPem: Type.Optional(Type.String({ minLength: 1, maxLength: 12000, description: 'PKCS#8, PKCS#1 or SEC1 PEM private key to import' })),
  modulusLength: Type.Optional(Type.Union([Type.Literal(2048), Type.Literal(3072), Type.Literal(4096)])),
  activateAt: Type.Optional(TimeInput)
}, { additionalProperties: false })
export type KeyCreate = Static<typeof KeyCreateSchema>

export const KeyCreatedSchema = Type.Object({
  key: KeyViewSchema,
  secret: Type.Optional(Type.String({ description: 'A generated HS256 secret, shown once' })),
  warnings: Type.Optional(Warnings)
})
export type KeyCreated = Static<typeof KeyCreatedSchema>

export const RotateInputSchema = Type.Object({
  at: Type.Optional(TimeInput),
  prepublish: Type.Optional(Type.Integer({ minimum: 0 })),
  revokeActive: Type.Optional(Type.Boolean({ description: 'Emergency rotation: the new key is active at once and the active one revoked, in one write' })),
  ...GateInputSchema.properties
}, { additionalProperties: false })
export type RotateInput = Static<typeof RotateInputSchema>

export const KeyRotatedSchema = Type.Object({
  key: KeyViewSchema,
  secret: Type.Optional(Type.String()),
  /** With revokeActive: the kid that was active and is now revoked (null when no key was active). */
  revoked: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  warnings: Warnings
})
export type KeyRotated = Static<typeof KeyRotatedSchema>

export const KeyRevokedSchema = Type.Object({ key: KeyViewSchema, activeKid: Type.Union([Type.String(), Type.Null()]) })
export type KeyRevoked = Static<typeof KeyRevokedSchema>

export const ApiKeyCreateSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })
export const ApiKeyViewSchema = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String() })
export type ApiKeyView = Static<typeof ApiKeyViewSchema>
export const ApiKeyListSchema = onePage(ApiKeyViewSchema)
export type ApiKeyList = Static<typeof ApiKeyListSchema>
export const ApiKeyCreatedSchema = Type.Object({ ...ApiKeyViewSchema.properties, apiKey: Type.String({ description: 'Shown once' }) })
export type ApiKeyCreated = Static<typeof ApiKeyCreatedSchema>

export const AuditQuerySchema = Type.Object({
  tenant: Type.Optional(TenantId),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Only the entries of this actor: root, a credential id, oidc:<sub>, scheduler' })),
  since: Type.Optional(Type.String({ maxLength: 64, description: 'No entry older than this: ISO 8601 time or Unix seconds' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Entries per page (with ndjson: per store read)' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('ndjson')], { description: 'ndjson: every matching entry from the cursor on, one JSON object a line (application/x-ndjson)' }))
}, { additionalProperties: false })
export type AuditQuery = Static<typeof AuditQuerySchema>

export const AuditViewSchema = Type.Object({
  at: Type.String(),
  actor: Type.String({ description: 'root (ADMIN_TOKEN), a credential id, oidc:<sub> (single sign-on), or scheduler' }),
  actorName: Type.String({ description: 'The actor in words: a credential name, a single-sign-on email or name' }),
  action: Type.String(),
  tenant: Type.String({ description: 'The tenant acted on; empty for access control (credentials)' }),
  kid: Type.Optional(Type.String()),
  ip: Type.String()
})
export type AuditView = Static<typeof AuditViewSchema>
export const AuditListSchema = Type.Object({ items: Type.Array(AuditViewSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) })
export type AuditList = Static<typeof AuditListSchema>
