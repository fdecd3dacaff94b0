// Schemas of the tenant admin routes.
import { Type } from 'typebox'
import { PROFILE_NAMES } from '../../src/types.js'
import { TenantId } from './common.js'

export const TokenPolicyInput = Type.Object({
  defaultTtl: Type.Optional(Type.Integer({ minimum: 1 })),
  minTtl: Type.Optional(Type.Integer({ minimum: 1 })),
  maxTtl: Type.Optional(Type.Integer({ minimum: 1 })),
  clockSkew: Type.Optional(Type.Integer({ minimum: 0 }))
}, { additionalProperties: false })

export const RateLimitInput = Type.Object({
  max: Type.Integer({ minimum: 1 }),
  timeWindow: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)?\\s*$' })])
}, { additionalProperties: false })

export const RotationInput = Type.Object({
  every: Type.Integer({ minimum: 1, description: 'Seconds between versions' }),
  prepublish: Type.Optional(Type.Integer({ minimum: 0, description: 'Seconds a version is published before it signs (default: the JWKS max-age)' }))
}, { additionalProperties: false })

const JsonObject = Type.Object({}, { additionalProperties: true })

export const TenantCreate = Type.Object({
  id: TenantId,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  profile: Type.Union(PROFILE_NAMES.map(name => Type.Literal(name))),
  profileOptions: Type.Optional(JsonObject),
  alg: Type.Optional(Type.String({ maxLength: 16 })),
  tokenPolicy: Type.Optional(TokenPolicyInput),
  rateLimit: Type.Optional(RateLimitInput),
  claimsSchema: Type.Optional(JsonObject),
  staticClaims: Type.Optional(JsonObject),
  rotation: Type.Optional(RotationInput),
  generateKey: Type.Optional(Type.Boolean({ description: 'false: create no key (import one later)' }))
}, { additionalProperties: false })

export const TenantPatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  profileOptions: Type.Optional(JsonObject),
  alg: Type.Optional(Type.String({ maxLength: 16 })),
  tokenPolicy: Type.Optional(TokenPolicyInput),
  rateLimit: Type.Optional(RateLimitInput),
  claimsSchema: Type.Optional(JsonObject),
  staticClaims: Type.Optional(JsonObject)
}, { additionalProperties: false, minProperties: 1 })

export const Tenant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  profile: Type.String(),
  profileOptions: JsonObject,
  alg: Type.String(),
  tokenPolicy: Type.Object({ defaultTtl: Type.Integer(), minTtl: Type.Integer(), maxTtl: Type.Integer(), clockSkew: Type.Integer() }),
  rateLimit: Type.Object({ max: Type.Integer(), timeWindow: Type.Union([Type.Integer(), Type.String()]) }),
  claimsSchema: Type.Optional(JsonObject),
  staticClaims: Type.Optional(JsonObject),
  rotation: Type.Optional(Type.Object({ every: Type.Integer(), prepublish: Type.Integer(), since: Type.String() })),
  activeKid: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  initialSecret: Type.Optional(Type.String({ description: 'HS256 only: the generated secret, shown once' })),
  warnings: Type.Optional(Type.Array(Type.String()))
})

export const TenantList = Type.Object({ items: Type.Array(Tenant), nextCursor: Type.Union([Type.String(), Type.Null()]) })
export const ListQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 }))
}, { additionalProperties: false })
