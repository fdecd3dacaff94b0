// Schemas of the tenant admin routes, and the types the service and the CLI take from them.
import { Type, type Static } from 'typebox'
import { ALGS, PROFILE_NAMES } from '../types.js'
import { JsonObjectSchema, TenantId, Warnings } from './common.js'
import { GateInputSchema } from './verifiers.js'

export const TokenPolicyInputSchema = Type.Object({
  defaultTtl: Type.Optional(Type.Integer({ minimum: 1 })),
  minTtl: Type.Optional(Type.Integer({ minimum: 1 })),
  maxTtl: Type.Optional(Type.Integer({ minimum: 1 })),
  clockSkew: Type.Optional(Type.Integer({ minimum: 0 }))
}, { additionalProperties: false })

export const RateLimitInputSchema = Type.Object({
  max: Type.Integer({ minimum: 1 }),
  timeWindow: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)?\\s*$' })])
}, { additionalProperties: false })

export const RotationInputSchema = Type.Object({
  every: Type.Integer({ minimum: 1, description: 'Seconds between versions' }),
  prepublish: Type.Optional(Type.Integer({ minimum: 0, description: 'Seconds a version is published before it signs (default: the JWKS max-age)' })),
  ...GateInputSchema.properties
}, { additionalProperties: false })
export type RotationInput = Static<typeof RotationInputSchema>

export const TenantCreateSchema = Type.Object({
  id: TenantId,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  profile: Type.Enum(PROFILE_NAMES),
  profileOptions: Type.Optional(JsonObjectSchema),
  alg: Type.Optional(Type.String({ maxLength: 16 })),
  tokenPolicy: Type.Optional(TokenPolicyInputSchema),
  rateLimit: Type.Optional(RateLimitInputSchema),
  claimsSchema: Type.Optional(JsonObjectSchema),
  staticClaims: Type.Optional(JsonObjectSchema),
  rotation: Type.Optional(RotationInputSchema),
  generateKey: Type.Optional(Type.Boolean({ description: 'false: create no key (import one later)' }))
}, { additionalProperties: false })
export type TenantCreate = Static<typeof TenantCreateSchema>

export const TenantPatchSchema = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  profileOptions: Type.Optional(JsonObjectSchema),
  alg: Type.Optional(Type.String({ maxLength: 16 })),
  tokenPolicy: Type.Optional(TokenPolicyInputSchema),
  rateLimit: Type.Optional(RateLimitInputSchema),
  claimsSchema: Type.Optional(JsonObjectSchema),
  staticClaims: Type.Optional(JsonObjectSchema)
}, { additionalProperties: false, minProperties: 1 })
export type TenantPatch = Static<typeof TenantPatchSchema>

/** A tenant as admin responses show it: ISO 8601 times, the rotation policy as set (its anchor as `since`), and the active kid. */
export const TenantViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  profile: Type.Enum(PROFILE_NAMES),
  profileOptions: JsonObjectSchema,
  alg: Type.Enum(ALGS),
  tokenPolicy: Type.Object({ defaultTtl: Type.Integer(), minTtl: Type.Integer(), maxTtl: Type.Integer(), clockSkew: Type.Integer() }),
  rateLimit: Type.Object({ max: Type.Integer(), timeWindow: Type.Union([Type.Integer(), Type.String()]) }),
  claimsSchema: Type.Optional(JsonObjectSchema),
  staticClaims: Type.Optional(JsonObjectSchema),
  rotation: Type.Optional(Type.Object({ every: Type.Integer(), prepublish: Type.Integer(), since: Type.String(), waitForVerifiers: Type.Optional(Type.Boolean()), maxDelay: Type.Optional(Type.Integer()) })),
  activeKid: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String()
})
export type TenantView = Static<typeof TenantViewSchema>

/** What creating a tenant or setting its rotation answers: the tenant, the HS256 secret shown once, and warnings. */
export const TenantAnswerSchema = Type.Object({
  ...TenantViewSchema.properties,
  initialSecret: Type.Optional(Type.String({ description: 'HS256 only: the generated secret, shown once' })),
  warnings: Type.Optional(Warnings)
})
export type TenantAnswer = Static<typeof TenantAnswerSchema>

export const TenantListSchema = Type.Object({ items: Type.Array(TenantViewSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) })
export type TenantList = Static<typeof TenantListSchema>
export const ListQuerySchema = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 }))
}, { additionalProperties: false })
