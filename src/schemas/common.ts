// Schema pieces shared by several routes and the CLI: the tenant id, times, problem details, warnings, one-page lists.
import { Type, type Static, type TSchema } from 'typebox'
import type { JsonObject } from '../types.js'

/**
 * A tenant id, unanchored: a lowercase slug of 2 to 63 characters. It never holds `_`, which API keys
 * (tm_<tenant>_<id>_<secret>) are split on: widening it would make a key parse as another tenant's.
 */
export const TENANT_SLUG = '[a-z0-9][a-z0-9-]{1,62}'
/** The one definition of a valid tenant id. */
export const TENANT_ID_PATTERN = `^${TENANT_SLUG}$`
export const TenantId = Type.String({ pattern: TENANT_ID_PATTERN, description: 'Tenant slug' })
export const TenantParams = Type.Object({ tenant: TenantId })

/** Seconds, or an ISO 8601 time. */
export const TimeInput = Type.Union([Type.String({ maxLength: 64 }), Type.Number({ minimum: 0 })], { description: 'ISO 8601 time or Unix seconds' })

/** Any JSON object (its members are checked by the service, e.g. against the profile's options schema). */
export const JsonObjectSchema = Type.Unsafe<JsonObject>(Type.Object({}, { additionalProperties: true }))

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() })))
}, { $id: 'Problem', description: 'RFC 9457 problem details' })
export type ProblemDetails = Static<typeof Problem>

export const ProblemRef = Type.Unsafe<Record<string, unknown>>({ $ref: 'Problem#' })

/** What a route answers with an error status: RFC 9457 problem details, as application/problem+json, one shared schema. */
export const ProblemResponse = {
  description: 'RFC 9457 problem details; `code` is stable, `errors` names each bad field',
  content: { 'application/problem+json': { schema: ProblemRef } }
}

/** Error responses a route may give, all problem+json. */
export function problems (...statuses: number[]): Record<number, typeof ProblemResponse> {
  return Object.fromEntries(statuses.map(status => [status, ProblemResponse]))
}

export const Warnings = Type.Array(Type.String(), { description: 'Operator-visible warnings, e.g. a prepublish shorter than the JWKS max-age' })

/** A list answered whole, in one page. */
export function onePage<Item extends TSchema> (item: Item) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Null() })
}
