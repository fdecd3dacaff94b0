// Schema pieces shared by several routes.
import { Type } from 'typebox'

export const TENANT_ID_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$'
export const TenantId = Type.String({ pattern: TENANT_ID_PATTERN, description: 'Tenant slug' })
export const TenantParams = Type.Object({ tenant: TenantId })

/** Seconds, or an ISO 8601 time. */
export const TimeInput = Type.Union([Type.String({ maxLength: 64 }), Type.Number({ minimum: 0 })], { description: 'ISO 8601 time or Unix seconds' })

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() })))
}, { $id: 'Problem', description: 'RFC 9457 problem details' })

export const ProblemRef = Type.Unsafe<Record<string, unknown>>({ $ref: 'Problem#' })

/** Error responses a route may give, all problem+json. */
export function problems (...statuses: number[]): Record<number, typeof ProblemRef> {
  return Object.fromEntries(statuses.map(status => [status, ProblemRef]))
}

export const Warnings = Type.Array(Type.String(), { description: 'Operator-visible warnings, e.g. a prepublish shorter than the JWKS max-age' })
