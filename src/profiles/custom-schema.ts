// A tenant's claims JSON Schema (custom profile): checked at tenant creation, compiled into a strict claims validator.
import { Buffer } from 'node:buffer'
import { TokenmintError, fieldsInvalid, type FieldError } from '../errors.js'
import type { JsonObject } from '../types.js'
import { CUSTOM_OWNED_CLAIMS } from './claim-set.js'
import { createAjv, fieldErrors, isJsonObject, pointerToken, UNSAFE_KEYS } from './validator.js'
import { BUDGET_EXCEEDED, PATTERNS_MAX_SIZE, TenantPatterns } from './tenant-patterns.js'

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

/**
 * Everything wrong with a claims schema short of compiling it; paths start with '/claimsSchema'.
 * Its patterns are compiled on RE2 into `patterns`, which the compiled validator then matches with.
 */
export function claimsSchemaShapeErrors (schema: unknown, patterns = new TenantPatterns()): FieldError[] {
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
  errors.push(...referenceErrors(schema, patterns))
  if (patterns.size > PATTERNS_MAX_SIZE) {
    errors.push({ path: AT, message: `has patterns of ${patterns.size} RE2 instructions in all, at most ${PATTERNS_MAX_SIZE}` })
  }
  return errors
}

/** Remote references, remote `$id`s, foreign `$schema`s, unsafe keys and patterns RE2 cannot run, anywhere in the schema. */
function referenceErrors (schema: JsonObject, patterns: TenantPatterns): FieldError[] {
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
        } else if (key === 'pattern') {
          const refused = patterns.check(value)
          if (refused !== undefined) errors.push({ path: at, message: refused })
        }
      }
      if (!Array.isArray(node) && key === 'patternProperties' && isJsonObject(value)) {
        for (const pattern of Object.keys(value)) {
          const refused = patterns.check(pattern)
          if (refused !== undefined) errors.push({ path: `${at}/${pointerToken(pattern)}`, message: refused })
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
 * Patterns run on RE2 within a matching budget per validation; a validation over budget fails.
 * Throws INVALID_SCHEMA naming '/claimsSchema...'.
 */
export function compileClaimsSchema (schema: unknown): ClaimsValidator {
  const patterns = new TenantPatterns()
  const errors = claimsSchemaShapeErrors(schema, patterns)
  if (errors.length > 0) throw fieldsInvalid(errors, 'INVALID_SCHEMA')
  const source = schema as JsonObject
  const closed = Object.hasOwn(source, 'additionalProperties') || Object.hasOwn(source, 'unevaluatedProperties')
    ? source
    : { ...source, unevaluatedProperties: false }
  let validate
  try {
    validate = createAjv({ allowUnionTypes: true, code: { regExp: patterns.regExp } }).compile(structuredClone(closed))
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new TokenmintError('INVALID_SCHEMA', `claimsSchema is invalid: ${message}`, { errors: [{ path: AT, message }], cause: err })
  }
  return claims => {
    patterns.begin()
    if (validate(claims)) return []
    const errors = validate.errors ?? []
    if (!patterns.exceeded()) return fieldErrors(errors)
    // A skipped match reads as a failed one: its pattern errors are replaced by the budget's.
    return [...fieldErrors(errors.filter(error => error.keyword !== 'pattern')), { path: '', message: BUDGET_EXCEEDED }]
  }
}

/** Checks a claims schema at tenant creation (shape and compilation); returns it unchanged or throws INVALID_SCHEMA. */
export function validateClaimsSchema (schema: unknown): JsonObject {
  compileClaimsSchema(schema)
  return schema as JsonObject
}
