// A tenant's claims JSON Schema (custom profile): checked at tenant creation, compiled into a strict claims validator.
import { Buffer } from 'node:buffer'
import safeRegex from 'safe-regex2'
import { TokenmintError, fieldsInvalid, type FieldError } from '../errors.js'
import type { JsonObject } from '../types.js'
import { CUSTOM_OWNED_CLAIMS } from './claim-set.js'
import { createAjv, fieldErrors, isJsonObject, pointerToken, UNSAFE_KEYS } from './validator.js'

export const CLAIMS_SCHEMA_MAX_BYTES = 32 * 1024
export const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema'

/** Validates claims (the body without `ttl`); error paths are JSON pointers into the body. */
export type ClaimsValidator = (claims: JsonObject) => FieldError[]

/** Top-level property names a claims schema may not define, with the reason. */
const RESERVED: ReadonlyMap<string, string> = new Map([
  ...CUSTOM_OWNED_CLAIMS.map(name => [name, 'is set by the custom profile and cannot be a request claim'] as const),
  ['ttl', 'is the token lifetime field of the request, not a claim']
])

/** Keywords whose values are data, not subschemas: a `$ref` inside a `const` is not a reference. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples'])
const REFERENCE_KEYWORDS = new Set(['$ref', '$dynamicRef'])
const URI_SCHEME = /^[a-z][a-z0-9+.-]*:/i
const AT = '/claimsSchema'
const UNSAFE_PATTERN = 'is a regular expression that can backtrack catastrophically (nested quantifiers): it would let one request stall the service'

/** A pattern that compiles and has no star height above one (no catastrophic backtracking). */
function safePattern (pattern: string): boolean {
  try {
    new RegExp(pattern, 'u') // eslint-disable-line no-new
  } catch {
    return true // Ajv reports the invalid pattern itself
  }
  return safeRegex(pattern)
}

/** Everything wrong with a claims schema short of compiling it; paths start with '/claimsSchema'. */
export function claimsSchemaShapeErrors (schema: unknown): FieldError[] {
  if (!isJsonObject(schema)) return [{ path: AT, message: 'must be a JSON Schema object' }]
  let serialized: string
  try {
    serialized = JSON.stringify(schema)
  } catch {
    return [{ path: AT, message: 'must be serializable as JSON' }]
  }
  if (Buffer.byteLength(serialized, 'utf8') > CLAIMS_SCHEMA_MAX_BYTES) {
    return [{ path: AT, message: `must be at most ${CLAIMS_SCHEMA_MAX_BYTES / 1024} KiB serialized` }]
  }

  const errors: FieldError[] = []
  if (schema.type !== 'object') errors.push({ path: `${AT}/type`, message: 'must be "object": claims are the members of an object' })
  if (isJsonObject(schema.properties)) {
    for (const name of Object.keys(schema.properties)) {
      const reason = RESERVED.get(name)
      if (reason !== undefined) errors.push({ path: `${AT}/properties/${pointerToken(name)}`, message: reason })
    }
  }
  errors.push(...referenceErrors(schema))
  return errors
}

/** Remote references, remote `$id`s, foreign `$schema`s and unsafe keys, anywhere in the schema. */
function referenceErrors (schema: JsonObject): FieldError[] {
  const errors: FieldError[] = []
  const stack: Array<{ node: unknown, path: string }> = [{ node: schema, path: AT }]
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: unknown, path: string }
    if (typeof node !== 'object' || node === null) continue
    for (const [key, value] of Object.entries(node)) {
      const at = `${path}/${pointerToken(key)}`
      if (UNSAFE_KEYS.has(key)) {
        errors.push({ path: at, message: 'is a reserved name' })
        continue
      }
      if (!Array.isArray(node) && typeof value === 'string') {
        if (REFERENCE_KEYWORDS.has(key) && !value.startsWith('#')) {
          errors.push({ path: at, message: 'must be a local reference starting with "#": remote references are not fetched' })
        } else if (key === '$id' && (URI_SCHEME.test(value) || value.startsWith('//')) && !value.toLowerCase().startsWith('urn:')) {
          errors.push({ path: at, message: 'must not be a remote URL' })
        } else if (key === '$schema' && value.replace(/#$/, '') !== DRAFT_2020_12) {
          errors.push({ path: at, message: `must be ${DRAFT_2020_12} (draft 2020-12) when present` })
        } else if (key === 'pattern' && !safePattern(value)) {
          errors.push({ path: at, message: UNSAFE_PATTERN })
        }
      }
      if (!Array.isArray(node) && key === 'patternProperties' && isJsonObject(value)) {
        for (const pattern of Object.keys(value)) {
          if (!safePattern(pattern)) errors.push({ path: `${at}/${pointerToken(pattern)}`, message: UNSAFE_PATTERN })
        }
      }
      if (!Array.isArray(node) && DATA_KEYWORDS.has(key)) continue
      stack.push({ node: value, path: at })
    }
  }
  return errors.sort((a, b) => a.path.localeCompare(b.path))
}

/**
 * Compiles a claims schema into a validator. Members the schema does not describe are refused
 * (`unevaluatedProperties: false` is added at the top unless the schema sets `additionalProperties`
 * or `unevaluatedProperties` itself). Each call compiles anew, on its own Ajv instance so that
 * tenants' `$id`s never meet: callers keep the result per tenant version (TenantRuntime, built once per version by TenantCache).
 * Throws INVALID_SCHEMA naming '/claimsSchema...'.
 */
export function compileClaimsSchema (schema: unknown): ClaimsValidator {
  const errors = claimsSchemaShapeErrors(schema)
  if (errors.length > 0) throw fieldsInvalid(errors, 'INVALID_SCHEMA')
  const source = schema as JsonObject
  const closed = Object.hasOwn(source, 'additionalProperties') || Object.hasOwn(source, 'unevaluatedProperties')
    ? source
    : { ...source, unevaluatedProperties: false }
  let validate
  try {
    validate = createAjv({ allowUnionTypes: true }).compile(structuredClone(closed))
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new TokenmintError('INVALID_SCHEMA', `claimsSchema is invalid: ${message}`, { errors: [{ path: AT, message }], cause: err })
  }
  return claims => validate(claims) ? [] : fieldErrors(validate.errors ?? [])
}

/** Checks a claims schema at tenant creation (shape and compilation); returns it unchanged or throws INVALID_SCHEMA. */
export function validateClaimsSchema (schema: unknown): JsonObject {
  compileClaimsSchema(schema)
  return schema as JsonObject
}
