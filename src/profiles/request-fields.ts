// Request and option field schemas the profiles share: the optional ttl, text and email fields, no options.
import { Type } from 'typebox'

/** The optional `ttl` every request may carry; its range is checked against the tenant policy, never clamped. */
export const TtlField = Type.Optional(Type.Integer({
  description: 'Token lifetime in seconds; outside the tenant policy [minTtl, maxTtl] it is a 400 TTL_OUT_OF_RANGE'
}))

/** A required text field: an id or a name; `title` labels it in the dashboard. */
export const Text = (description: string, title?: string): ReturnType<typeof Type.String> =>
  Type.String({ minLength: 1, maxLength: 1024, ...(title === undefined ? {} : { title }), description })

/** An optional or required email address (format email). */
export const Email = (description: string): ReturnType<typeof Type.String> =>
  Type.String({ format: 'email', maxLength: 320, description })

/** Options schema of a profile that takes none. */
export const NoOptions = Type.Object({}, { additionalProperties: false })
