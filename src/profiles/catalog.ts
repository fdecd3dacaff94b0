// The built-in profiles described as data, from the registry: the OpenAPI body of POST /tokens, tenants' profileOptions, the dashboard's form.
import type { Alg, JsonObject } from '../types.js'
import type { Profile, ProfileExample } from './profile.js'
import { PROFILES } from './registry.js'
import { isJsonObject } from './validator.js'

/** How the dashboard asks for one member of `profileOptions`. */
export interface OptionField {
  name: string
  label: string
  hint?: string
  required: boolean
  /** select: one of `choices`; checkbox: a boolean; text: a string; json: JSON when the text parses, else the text. */
  input: 'select' | 'checkbox' | 'text' | 'json'
  choices?: readonly string[]
  /** The value the profile uses when the option is left out. */
  default?: unknown
  /** A value from the profile's example settings, shown as a placeholder. */
  example?: unknown
}

export interface ProfileDescription {
  name: string
  title: string
  description: string
  /** Allowed algorithms; the first is the default. */
  algs: readonly Alg[]
  options: OptionField[]
  /** Whether the tenant defines the request claims with a claims schema (and may add static claims). */
  tenantClaims: boolean
  /**
   * Whether the first key usually comes from the platform: a profile that signs HS256 only verifies with a secret the
   * platform's own dashboard shows (Smooch, Khoros, Tiledesk, the widget), so the dashboard offers import first.
   */
  importFirst: boolean
  example: ProfileExample
}

function inputOf (schema: JsonObject): Pick<OptionField, 'input' | 'choices'> {
  if (Array.isArray(schema.enum) && schema.enum.every(value => typeof value === 'string')) return { input: 'select', choices: schema.enum }
  if (schema.type === 'boolean') return { input: 'checkbox' }
  if (schema.type === 'string') return { input: 'text' }
  return { input: 'json' }
}

function optionFields (profile: Profile): OptionField[] {
  const schema = profile.optionsSchema as JsonObject
  const properties = isJsonObject(schema.properties) ? schema.properties : {}
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  const examples = profile.example.settings?.profileOptions ?? {}
  return Object.entries(properties).filter(([, member]) => isJsonObject(member)).map(([name, member]) => {
    const field: OptionField = { name, label: name, required: required.has(name), ...inputOf(member as JsonObject) }
    const { title, description, default: fallback } = member as JsonObject
    if (typeof title === 'string') field.label = title
    if (typeof description === 'string') field.hint = description
    if (fallback !== undefined) field.default = fallback
    if (examples[name] !== undefined) field.example = examples[name]
    return field
  })
}

function describe (profile: Profile): ProfileDescription {
  return {
    name: profile.name,
    title: profile.title,
    description: profile.description,
    algs: profile.algs,
    options: optionFields(profile),
    tenantClaims: profile.compileClaimsValidator !== undefined,
    importFirst: profile.algs.length === 1 && profile.algs[0] === 'HS256',
    example: profile.example
  }
}

/** Every built-in profile, in registry order, as plain JSON data. */
export function describeProfiles (): ProfileDescription[] {
  return Object.values(PROFILES).map(describe)
}

/** Keywords of JSON Schema 2020-12 that an OpenAPI 3.0 Schema Object does not have. */
const NOT_IN_OPENAPI_30 = new Set(['propertyNames', '$schema', '$id', 'const', 'examples'])

/** A JSON Schema as an OpenAPI 3.0 Schema Object: `const` becomes a one-value `enum`; other missing keywords are dropped (validation keeps them). */
function openApiSchema (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(openApiSchema)
  if (!isJsonObject(schema)) return schema
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'const') {
      out.enum = [structuredClone(value)]
    } else if (!NOT_IN_OPENAPI_30.has(key)) {
      // Under `properties` the keys are field names, never keywords.
      out[key] = (key === 'properties' && isJsonObject(value)
        ? Object.fromEntries(Object.entries(value).map(([name, member]) => [name, openApiSchema(member)]))
        : openApiSchema(value)) as JsonObject[string]
    }
  }
  return out
}

/**
 * The body of POST /tokens for the OpenAPI document: one profile's request schema (a `oneOf`), each titled by its
 * profile and carrying its example, plus one named example per profile. The tenant's profile decides which one
 * applies, so it is documentation only: `x-examples` becomes the media type's examples in @fastify/swagger.
 */
export function issueBodyDocument (): JsonObject {
  const profiles = Object.values(PROFILES)
  return {
    description: 'The fields of the tenant\'s profile: the schema titled by its profile applies; every profile takes ttl (seconds).',
    oneOf: profiles.map(profile => {
      const schema = openApiSchema(profile.requestSchema) as JsonObject
      const notes = typeof schema.description === 'string' ? ` ${schema.description}.` : ''
      return { ...schema, title: profile.name, description: `${profile.description}${notes}`, example: structuredClone(profile.example.request) }
    }),
    'x-examples': Object.fromEntries(profiles.map(profile => [profile.name, {
      summary: profile.title,
      value: structuredClone(profile.example.request)
    }]))
  }
}

/** `profileOptions` of a tenant for the OpenAPI document: one profile's options schema, titled by its profile (documentation only). */
export function profileOptionsDocument (): JsonObject {
  return {
    description: 'Options of the tenant\'s profile: the schema titled by its profile applies (the service checks them).',
    oneOf: Object.values(PROFILES).map(profile => {
      const schema = openApiSchema(profile.optionsSchema) as JsonObject
      const example = profile.example.settings?.profileOptions
      return { ...schema, title: profile.name, ...(example === undefined ? {} : { example: structuredClone(example) }) }
    })
  }
}
