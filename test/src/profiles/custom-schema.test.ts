import t from 'tap'
import { CLAIMS_SCHEMA_MAX_BYTES, claimsSchemaShapeErrors, compileClaimsSchema, DRAFT_2020_12, validateClaimsSchema } from '../../../src/profiles/custom-schema.js'
import { caught, messageAt, pathsOf } from './fixtures/tenants.js'

const base = { type: 'object', properties: { sub: { type: 'string' } } }

/** A schema whose JSON is exactly `bytes` long. */
function schemaOfSize (bytes: number): Record<string, unknown> {
  const empty = JSON.stringify({ ...base, description: '' }).length
  return { ...base, description: 'x'.repeat(bytes - empty) }
}

t.test('rejected schemas: INVALID_SCHEMA naming the place under /claimsSchema', async t => {
  const cases: Array<{ name: string, schema: unknown, paths: string[], message?: RegExp }> = [
    { name: 'not an object', schema: 'object', paths: ['/claimsSchema'] },
    { name: 'an array', schema: [base], paths: ['/claimsSchema'] },
    { name: 'null', schema: null, paths: ['/claimsSchema'] },
    { name: 'no type', schema: { properties: {} }, paths: ['/claimsSchema/type'], message: /object/ },
    { name: 'type string', schema: { type: 'string' }, paths: ['/claimsSchema/type'] },
    { name: 'type list', schema: { type: ['object', 'null'] }, paths: ['/claimsSchema/type'] },
    { name: 'remote $ref', schema: { ...base, properties: { a: { $ref: 'https://evil.example/s.json' } } }, paths: ['/claimsSchema/properties/a/$ref'], message: /local reference/ },
    { name: 'relative $ref', schema: { ...base, properties: { a: { $ref: 'other.json#/x' } } }, paths: ['/claimsSchema/properties/a/$ref'] },
    { name: 'remote $ref in $defs', schema: { ...base, $defs: { a: { $ref: 'http://x/y' } } }, paths: ['/claimsSchema/$defs/a/$ref'] },
    { name: 'remote $dynamicRef', schema: { ...base, properties: { a: { $dynamicRef: 'https://x/y#meta' } } }, paths: ['/claimsSchema/properties/a/$dynamicRef'] },
    { name: 'remote $id', schema: { ...base, $id: 'https://evil.example/claims.json' }, paths: ['/claimsSchema/$id'], message: /remote/ },
    { name: 'network-path $id', schema: { ...base, $id: '//evil.example/claims.json' }, paths: ['/claimsSchema/$id'] },
    { name: 'nested remote $id', schema: { ...base, $defs: { a: { $id: 'file:///etc/passwd', type: 'string' } } }, paths: ['/claimsSchema/$defs/a/$id'] },
    { name: 'another draft', schema: { ...base, $schema: 'http://json-schema.org/draft-07/schema#' }, paths: ['/claimsSchema/$schema'], message: /2020-12/ },
    { name: 'unknown keyword (strict)', schema: { ...base, propertees: {} }, paths: ['/claimsSchema'], message: /unknown keyword/ },
    { name: 'invalid keyword value', schema: { type: 'object', properties: { a: { type: 'strin' } } }, paths: ['/claimsSchema'] },
    { name: 'keyword on the wrong type (strict)', schema: { type: 'object', properties: { a: { minLength: 1 } } }, paths: ['/claimsSchema'] },
    { name: 'unknown format', schema: { type: 'object', properties: { a: { type: 'string', format: 'colour' } } }, paths: ['/claimsSchema'], message: /format/ },
    { name: 'bad regex', schema: { type: 'object', properties: { a: { type: 'string', pattern: '(' } } }, paths: ['/claimsSchema/properties/a/pattern'], message: /regular expression/ },
    { name: 'dangling local $ref', schema: { type: 'object', properties: { a: { $ref: '#/$defs/nope' } } }, paths: ['/claimsSchema'] },
    { name: 'a claim the profile sets', schema: { type: 'object', properties: { iat: { type: 'integer' } } }, paths: ['/claimsSchema/properties/iat'], message: /custom profile/ },
    { name: 'ttl as a claim', schema: { type: 'object', properties: { ttl: { type: 'integer' } } }, paths: ['/claimsSchema/properties/ttl'], message: /lifetime/ },
    { name: '__proto__ key', schema: JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}'), paths: ['/claimsSchema/properties/__proto__'], message: /reserved/ },
    { name: 'over 32 KiB', schema: schemaOfSize(CLAIMS_SCHEMA_MAX_BYTES + 1), paths: ['/claimsSchema'], message: /32 KiB/ }
  ]
  for (const { name, schema, paths, message } of cases) {
    const err = caught(() => validateClaimsSchema(schema))
    t.equal(err.code, 'INVALID_SCHEMA', name)
    t.equal(err.status, 400, name)
    t.strictSame(pathsOf(err), paths, name)
    if (message !== undefined) t.match(messageAt(err, paths[0] as string), message, name)
  }
})

t.test('accepted schemas', async t => {
  const cases: Array<{ name: string, schema: Record<string, unknown> }> = [
    { name: 'plain', schema: base },
    { name: 'exactly 32 KiB', schema: schemaOfSize(CLAIMS_SCHEMA_MAX_BYTES) },
    { name: 'draft 2020-12 declared', schema: { ...base, $schema: DRAFT_2020_12 } },
    { name: 'local $ref', schema: { type: 'object', properties: { a: { $ref: '#/$defs/a' } }, $defs: { a: { type: 'string' } } } },
    { name: 'urn $id', schema: { ...base, $id: 'urn:acme:claims' } },
    { name: 'a $ref-looking constant is data', schema: { type: 'object', properties: { a: { const: { $ref: 'https://x/y' } } } } },
    { name: 'union types', schema: { type: 'object', properties: { a: { type: ['string', 'null'] } } } }
  ]
  for (const { name, schema } of cases) t.equal(validateClaimsSchema(schema), schema, name)
})

t.test('compiled validators close the claim set unless the schema opens it', async t => {
  const closed = compileClaimsSchema(base)
  t.strictSame(closed({ sub: 'u' }), [])
  t.strictSame(closed({ sub: 'u', extra: 1 }), [{ path: '/extra', message: 'is not an allowed field' }])
  const viaAllOf = compileClaimsSchema({ type: 'object', allOf: [{ properties: { a: { type: 'string' } } }] })
  t.strictSame(viaAllOf({ a: 'x' }), [])
  t.strictSame(viaAllOf({ a: 'x', b: 'y' }), [{ path: '/b', message: 'is not an allowed field' }])
  const open = compileClaimsSchema({ ...base, additionalProperties: true })
  t.strictSame(open({ sub: 'u', extra: 1 }), [])
})

t.test('tenants\' $ids never collide: each schema compiles on its own', async t => {
  const one = compileClaimsSchema({ ...base, $id: 'urn:acme:claims' })
  const two = compileClaimsSchema({ type: 'object', properties: { sub: { type: 'integer' } }, $id: 'urn:acme:claims' })
  t.strictSame(one({ sub: 'u' }), [])
  t.strictSame(two({ sub: 'u' }).map(error => error.path), ['/sub'])
})

t.test('the schema given is never changed', async t => {
  const schema = structuredClone(base)
  compileClaimsSchema(schema)
  t.strictSame(schema, base)
})

t.test('patterns that backtrack catastrophically elsewhere are accepted: they run on RE2', async t => {
  const cases = [
    { schema: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } }, claims: { name: 'a'.repeat(40) + '!' } },
    { schema: { type: 'object', properties: { tags: { type: 'array', items: { type: 'string', pattern: '(x*)*y' } } } }, claims: { tags: ['x'.repeat(40)] } },
    { schema: { type: 'object', patternProperties: { '^(\\w+\\s?)*$': { type: 'string' } }, additionalProperties: false }, claims: { [`${'a '.repeat(20)}!`]: 'v' } }
  ]
  for (const { schema, claims } of cases) {
    t.strictSame(claimsSchemaShapeErrors(schema), [], JSON.stringify(schema))
    t.equal(compileClaimsSchema(schema)(claims).length, 1, `${JSON.stringify(schema)} refuses the input that would backtrack`)
  }
})
