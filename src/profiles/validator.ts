// Strict JSON validation with Ajv (draft 2020-12): no coercion, defaults or removal; failures as JSON-pointer field errors.
import { Ajv2020, type ErrorObject, type Options } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { FieldError } from '../errors.js'
import type { JsonObject } from '../types.js'

const addFormats = addFormatsModule.default

/** Never changes the data: a number is not a string, an unknown field is not dropped, a missing one is not filled in. */
export const STRICT_OPTIONS: Readonly<Options> = Object.freeze({
  strict: true,
  allErrors: true,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false
})

/** Keys that could reach an object's prototype once merged; rejected wherever they appear. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

export function createAjv (options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ ...STRICT_OPTIONS, ...options })
  addFormats(ajv)
  return ajv
}

/** One instance for the built-in schemas, each compiled once. */
const builtIn = createAjv()

/** Field errors of a value; paths are JSON pointers prefixed with `prefix` (e.g. '/profileOptions'). */
export type Check = (value: unknown, prefix?: string) => FieldError[]

export function compileCheck (schema: object, ajv: Ajv2020 = builtIn): Check {
  const validate = ajv.compile(schema)
  return (value, prefix = '') => validate(value) ? [] : fieldErrors(validate.errors ?? [], prefix)
}

const checks = new WeakMap<object, Check>()

/** The check of a built-in schema, compiled on first use and kept: never compiled per call. */
export function schemaCheck (schema: object): Check {
  let check = checks.get(schema)
  if (check === undefined) {
    check = compileCheck(schema)
    checks.set(schema, check)
  }
  return check
}

/** Escapes one reference token of a JSON pointer (RFC 6901). */
export function pointerToken (key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1')
}

export function isJsonObject (value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Maps Ajv errors to `{ path, message }`, naming the offending member itself for missing and unknown properties. */
export function fieldErrors (errors: readonly ErrorObject[], prefix = ''): FieldError[] {
  const out: FieldError[] = []
  const seen = new Set<string>()
  // A failed propertyNames also reports the failure inside it, which says more about the name.
  const named = new Set(errors.filter(error => error.keyword !== 'propertyNames').map(error => describe(error).path))
  // A failed anyOf/oneOf is reported once, with the alternatives its branches wanted at the same place.
  const folded = new Set<ErrorObject>()
  const alternatives = new Map<ErrorObject, string[]>()
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') continue
    const branches = errors.filter(other => other !== error && other.schemaPath.startsWith(`${error.schemaPath}/`) &&
      describe(other).path === error.instancePath)
    for (const branch of branches) folded.add(branch)
    if (branches.length === 0) continue
    const values = branches.every(branch => branch.keyword === 'const' || branch.keyword === 'enum')
      ? branches.flatMap(branch => allowedValues(branch))
      : undefined
    alternatives.set(error, values === undefined ? branches.map(branch => describe(branch).message) : [oneOf(values)])
  }
  for (const error of errors) {
    if (folded.has(error)) continue
    const described = describe(error)
    const path = described.path
    const message = alternatives.get(error)?.join(', or ') ?? described.message
    if (error.keyword === 'propertyNames' && named.has(path)) continue
    const full = prefix + path
    const key = `${full}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ path: full, message })
  }
  return out
}

/** The values an `enum` or `const` error allows. */
function allowedValues (error: ErrorObject): unknown[] {
  const params = error.params as { allowedValues?: unknown[], allowedValue?: unknown }
  return error.keyword === 'enum' ? params.allowedValues ?? [] : [params.allowedValue]
}

/** `must be one of a, b, c` (strings as they are, other values as JSON); one value reads `must be "a"`. */
function oneOf (values: readonly unknown[]): string {
  const unique = [...new Set(values.map(value => JSON.stringify(value)))]
  if (unique.length === 1) return `must be ${unique[0] as string}`
  return `must be one of ${unique.map(json => json.startsWith('"') ? JSON.parse(json) as string : json).join(', ')}`
}

function describe (error: ErrorObject): FieldError {
  const at = error.instancePath
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
    case 'dependentRequired':
      return { path: `${at}/${pointerToken(String(params.missingProperty))}`, message: 'is required' }
    case 'additionalProperties':
      return { path: `${at}/${pointerToken(String(params.additionalProperty))}`, message: 'is not an allowed field' }
    case 'unevaluatedProperties':
      return { path: `${at}/${pointerToken(String(params.unevaluatedProperty))}`, message: 'is not an allowed field' }
    case 'propertyNames':
      return { path: `${at}/${pointerToken(String(params.propertyName))}`, message: 'is not an allowed name' }
  }
  const message = error.keyword === 'enum' || error.keyword === 'const' ? oneOf(allowedValues(error)) : error.message ?? 'is invalid'
  // Errors under propertyNames carry the name being checked; they describe the name, not a value.
  const name = (error as ErrorObject & { propertyName?: string }).propertyName
  if (name !== undefined) return { path: `${at}/${pointerToken(name)}`, message: `name ${message}` }
  return { path: at, message }
}

/** Whether any key at any depth is unsafe: the common answer, no, without building a path (iterative, like unsafeKeyErrors). */
function hasUnsafeKey (value: unknown): boolean {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const current = stack.pop()
    if (typeof current !== 'object' || current === null) continue
    for (const key of Object.keys(current)) {
      if (UNSAFE_KEYS.has(key)) return true
      const child = (current as Record<string, unknown>)[key]
      if (typeof child === 'object' && child !== null) stack.push(child)
    }
  }
  return false
}

/** Every `__proto__`, `constructor` or `prototype` key, at any depth (iterative: a deep body cannot exhaust the stack). */
export function unsafeKeyErrors (value: unknown, prefix = ''): FieldError[] {
  if (!hasUnsafeKey(value)) return []
  const out: FieldError[] = []
  const stack: Array<{ value: unknown, path: string }> = [{ value, path: prefix }]
  while (stack.length > 0) {
    const { value: current, path } = stack.pop() as { value: unknown, path: string }
    if (typeof current !== 'object' || current === null) continue
    for (const key of Object.keys(current)) {
      const child = `${path}/${pointerToken(key)}`
      if (UNSAFE_KEYS.has(key)) out.push({ path: child, message: 'is a reserved name' })
      else stack.push({ value: (current as Record<string, unknown>)[key], path: child })
    }
  }
  return out.reverse()
}

/** Errors for the members of `body` named in `owners` (name → who sets it), e.g. '/scope': 'is set by the smooch profile'. */
export function ownedClaimErrors (body: JsonObject, owners: ReadonlyMap<string, string>, prefix = ''): FieldError[] {
  const out: FieldError[] = []
  for (const key of Object.keys(body)) {
    const owner = owners.get(key)
    if (owner !== undefined) out.push({ path: `${prefix}/${pointerToken(key)}`, message: `is set by ${owner}` })
  }
  return out
}

/** Concatenates groups of errors; an error whose path an earlier group already names is dropped (the earlier one is more precise). */
export function mergeErrors (...groups: FieldError[][]): FieldError[] {
  const out: FieldError[] = []
  const named = new Set<string>()
  for (const group of groups) {
    const added: string[] = []
    for (const error of group) {
      if (named.has(error.path)) continue
      out.push(error)
      added.push(error.path)
    }
    for (const path of added) named.add(path)
  }
  return out
}
