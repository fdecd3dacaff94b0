// Schemas of the key, rotation, API-key and audit admin routes.
import { Type } from 'typebox'
import { TimeInput } from './common.js'

export const KeyView = Type.Object({
  kid: Type.String(),
  alg: Type.String(),
  source: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('retiring'), Type.Literal('retired'), Type.Literal('revoked')]),
  published: Type.Boolean(),
  createdAt: Type.String(),
  publishAt: Type.String(),
  activateAt: Type.String(),
  revokedAt: Type.Optional(Type.String()),
  retiresAt: Type.Optional(Type.String())
})

export const KeyCreate = Type.Object({
  alg: Type.Optional(Type.String({ maxLength: 16, description: 'Generate with this alg, or check an imported key against it' })),
  kid: Type.Optional(Type.String({ maxLength: 128 })),
  secret: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'HS256 secret to import (from the platform dashboard)' })),
  privateKeyPem: Type.Optional(Type.String({ minLength: 1, maxLength: 12000, description: 'PKCS#8, PKCS#1 or SEC1 PEM private key to import' })),
  modulusLength: Type.Optional(Type.Union([Type.Literal(2048), Type.Literal(3072), Type.Literal(4096)])),
  activateAt: Type.Optional(TimeInput)
}, { additionalProperties: false })

export const KeyCreated = Type.Object({
  key: KeyView,
  secret: Type.Optional(Type.String({ description: 'A generated HS256 secret, shown once' })),
  warnings: Type.Optional(Type.Array(Type.String()))
})

export const RotateInput = Type.Object({
  at: Type.Optional(TimeInput),
  prepublish: Type.Optional(Type.Integer({ minimum: 0 }))
}, { additionalProperties: false })

export const ApiKeyCreate = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })
export const ApiKeyView = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String() })
export const ApiKeyCreated = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String(), apiKey: Type.String({ description: 'Shown once' }) })

export const AuditQuery = Type.Object({
  tenant: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 }))
}, { additionalProperties: false })

export const AuditEntry = Type.Object({
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  tenant: Type.String(),
  kid: Type.Optional(Type.String()),
  ip: Type.String()
})
