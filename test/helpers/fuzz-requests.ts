// Test helper: fast-check arbitraries of hostile requests to the issuance and admin routes, and the check every answer must pass.
import fc from 'fast-check'
import { PROFILE_NAMES } from '../../src/types.js'
import { ADMIN_TOKEN } from './build.js'

export interface FuzzTenant {
  id: string
  profile: string
  apiKey: string
  kids: string[]
  /** A token it issued, for the verify route. */
  token: string
}

export interface FuzzWorld {
  /** Tenants only the issuance routes see: their settings stay as created. */
  issuers: FuzzTenant[]
  /** Tenants the admin routes change at will; issued against too. */
  targets: FuzzTenant[]
  /** PEM private keys (and near-misses) to import. */
  pems: string[]
}

export type RouteName = 'tokens' | 'verify' | 'tenant.create' | 'tenant.patch' | 'keys.create' | 'keys.rotate' | 'api-keys.create' | 'rotation.put' | 'audit'

export interface FuzzRequest {
  route: RouteName
  method: 'GET' | 'POST' | 'PATCH' | 'PUT'
  url: string
  headers: Record<string, string>
  payload?: string | Buffer
}

type Arb<T> = fc.Arbitrary<T>

/** Sets an own enumerable member, even '__proto__' (an assignment would set the prototype instead). */
function put (target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

function merge (...parts: Array<Record<string, unknown> | null>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const part of parts) if (part !== null) for (const key of Object.keys(part)) put(out, key, part[key])
  return out
}

const SPECIAL_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'ttl', 'sub', 'iss', 'exp', 'scope', '$ref', 'a/b', '~0', 'é']
const key: Arb<string> = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_KEYS) })

/** Strings around the 16 KiB body limit, of one-byte to four-byte characters. */
const hugeString: Arb<string> = fc.record({
  unit: fc.constantFrom('a', 'é', '€', '𝄞', '"', '\\', '\u0000'),
  bytes: fc.integer({ min: 15 * 1024, max: 17 * 1024 })
}).map(({ unit, bytes }) => unit.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(unit)))))

/** Strings at the length limits the schemas name. */
const boundaryString: Arb<string> = fc.record({
  length: fc.constantFrom(1, 15, 16, 43, 62, 63, 64, 100, 101, 128, 129, 200, 201, 320, 321, 512, 513, 1024, 1025, 2048, 2049, 12000, 12001),
  unit: fc.constantFrom('x', 'é', '-', '0')
}).map(({ length, unit }) => unit.repeat(length))

/**
 * Objects, arrays, '__proto__' chains or schemas nested thousands deep. Too deep for JSON.stringify
 * here, they travel as a marker string that toJson() expands into the nested JSON text.
 */
const deepValue: Arb<string> = fc.record({ depth: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 80, max: 9000 })), kind: fc.constantFrom('object', 'array', 'proto', 'schema') })
  .map(({ depth, kind }) => `\u0001deep:${kind}:${depth}`)

const DEEP_MARKER = /"\\u0001deep:(\w+):(\d+)"/g

function deepJson (kind: string, depth: number): string {
  const [open, close, leaf] = {
    array: ['[', ']', '1'],
    object: ['{"a":', '}', '1'],
    proto: ['{"__proto__":', '}', '1'],
    schema: ['{"type":"object","properties":{"a":', '}}', '{"type":"string"}']
  }[kind] ?? ['[', ']', '1']
  return open.repeat(depth) + leaf + close.repeat(depth)
}

/** JSON text of a generated value, deep markers expanded; undefined for a value JSON cannot carry. */
export function toJson (value: unknown): string | undefined {
  const json = JSON.stringify(value) as string | undefined
  return json?.replace(DEEP_MARKER, (_marker, kind: string, depth: string) => deepJson(kind, Number(depth)))
}

const number: Arb<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 0.5, 1e21, 1e300, -1e300, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 253402300799, 253402300800, 8.64e12, 8.64e15)
)

/** Any JSON-ish value: what a careless or hostile client may send in place of a field. */
export const weird: Arb<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: fc.anything({ maxDepth: 3, maxKeys: 5, key, withNullPrototype: true, withSparseArray: true, withDate: true }) },
  { weight: 2, arbitrary: number },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: boundaryString },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, [], {}, '', true, false, [null], { __proto__: null }) }
)

const text: Arb<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: weird }
)
const email: Arb<unknown> = fc.oneof({ weight: 3, arbitrary: fc.emailAddress() }, { weight: 1, arbitrary: text })
const int: Arb<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -100, max: 100_000 }) },
  { weight: 1, arbitrary: number },
  { weight: 1, arbitrary: weird }
)
/** ISO 8601 times, Unix seconds (as numbers or strings), and near misses. */
const time: Arb<unknown> = fc.oneof(
  fc.integer({ min: -10, max: 253402300810 }),
  fc.date({ noInvalidDate: true }).map(date => date.toISOString()),
  fc.date({ min: new Date('2020-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map(date => date.toISOString().replace('.000Z', '+05:30')),
  fc.constantFrom('2026-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '2026-13-45T25:61:61Z', '2026-02-30T00:00:00Z',
    '2026-01-01T00:00:00.123456789Z', '2026-01-01', '999999999999', '9999999999999', '1e10', '-1', '', 'now', 'Infinity'),
  number,
  weird
)

/** Each member present most of the time, any of them possibly missing, plus odd extra members. */
function shaped (model: Record<string, Arb<unknown>>, required: string[]): Arb<Record<string, unknown>> {
  return fc.record({
    base: fc.oneof(
      { weight: 3, arbitrary: fc.record(model, { requiredKeys: required }) },
      { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) }
    ),
    extra: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.dictionary(key, weird, { minKeys: 1, maxKeys: 3 }) })
  }).map(({ base, extra }) => merge(base as Record<string, unknown>, extra))
}

const ttl: Arb<unknown> = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 60, max: 3600 }) }, { weight: 2, arbitrary: int })
const issueModels: Record<string, { model: Record<string, Arb<unknown>>, required: string[] }> = {
  smooch: { model: { userId: text, ttl }, required: ['userId'] },
  khoros: { model: { userId: text, givenName: text, platform: fc.oneof(fc.constantFrom('ios', 'android', 'web', 'WEB'), weird), ttl }, required: ['userId', 'givenName'] },
  tiledesk: {
    model: { _id: text, firstname: text, lastname: text, email, attributes: fc.oneof(fc.dictionary(key, fc.string({ maxLength: 20 }), { maxKeys: 4 }), weird), ttl },
    required: ['_id']
  },
  sceyt: { model: { sub: text, notBefore: fc.oneof(fc.integer({ min: 0, max: 50_000 }), weird), ttl }, required: ['sub'] },
  'chat-widget': { model: { name: text, email, external_id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/), weird), ttl }, required: ['name', 'email', 'external_id'] },
  custom: { model: { sub: text, role: fc.oneof(fc.constantFrom('a', 'b'), weird), n: int, p: text, aud: text, ttl }, required: ['sub'] }
}

function issueBody (profile: string): Arb<unknown> {
  const { model, required } = issueModels[profile] ?? issueModels.custom
  return shaped(model, required)
}

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : toJson(value) ?? '').toString('base64url')

/** Tokens: one the tenant issued, tampered ones, and JWT-shaped forgeries with odd headers. */
function tokenOf (tenant: FuzzTenant): Arb<unknown> {
  const [header, payload, signature] = tenant.token.split('.')
  const forgedHeader = shaped({
    alg: fc.oneof(fc.constantFrom('none', 'None', 'HS256', 'RS256', 'ES256', 'EdDSA', 'HS512', 'PS256', ''), weird),
    typ: fc.oneof(fc.constant('JWT'), weird),
    kid: fc.oneof(fc.constantFrom(...tenant.kids), text),
    crit: weird,
    jku: fc.constantFrom('http://127.0.0.1:1/jwks', 'file:///etc/passwd'),
    b64: fc.boolean()
  }, ['alg'])
  const forgedClaims = shaped({ sub: text, iat: int, exp: int, nbf: int, iss: text, aud: text, scope: text, userId: text }, [])
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(tenant.token) },
    { weight: 2, arbitrary: fc.record({ at: fc.nat(tenant.token.length - 1), ch: fc.constantFrom('A', '_', '-', '.', '=', ' ') }).map(({ at, ch }) => tenant.token.slice(0, at) + ch + tenant.token.slice(at + 1)) },
    { weight: 1, arbitrary: fc.constantFrom(`${header}.${payload}.`, `${header}.${payload}`, `${header}..${signature}`, `${b64({ alg: 'none' })}.${payload}.`, `${header}.${b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), exp: 1e300 })}.${signature}`) },
    { weight: 3, arbitrary: fc.tuple(fc.oneof(forgedHeader, weird), fc.oneof(forgedClaims, weird), fc.oneof(fc.constant(signature), fc.base64String({ maxLength: 400 }))).map(([h, p, s]) => `${b64(h)}.${b64(p)}.${s}`) },
    { weight: 1, arbitrary: fc.oneof(fc.string(), boundaryString, fc.constantFrom('', '.', '..', 'a.b.c', '...', 'e30.e30.e30')) },
    { weight: 1, arbitrary: weird }
  )
}

const rateLimit: Arb<unknown> = fc.oneof(
  shaped({
    max: int,
    timeWindow: fc.oneof(int, fc.constantFrom('1 minute', '1e3 s', ' 5 h ', '0 ms', '0', '99999999999999999999 days', '1.5 hours', 'forever'), fc.string({ maxLength: 12 }))
  }, ['max', 'timeWindow']),
  weird
)
const tokenPolicy: Arb<unknown> = fc.oneof(shaped({ defaultTtl: int, minTtl: int, maxTtl: int, clockSkew: int }, []), weird)
const rotation: Arb<unknown> = fc.oneof(shaped({ every: int, prepublish: int }, ['every']), weird)
const profileOptions: Arb<unknown> = fc.oneof(
  shaped({ projectId: text, applicationId: text, platform: fc.oneof(fc.constantFrom('ios', 'web'), weird), issuer: text, audience: fc.oneof(text, fc.array(fc.string(), { maxLength: 20 })), jti: fc.oneof(fc.boolean(), weird) }, []),
  weird
)
const propertySchema: Arb<unknown> = fc.oneof(
  fc.record({ type: fc.constantFrom('string', 'integer', 'number', 'boolean', 'array', 'object', 'null', 'date') }),
  fc.record({ type: fc.constant('string'), maxLength: int, format: fc.constantFrom('email', 'uri', 'date-time', 'unknown-format') }, { requiredKeys: ['type'] }),
  fc.record({ enum: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }) }),
  fc.constantFrom<unknown>({ $ref: '#' }, { $ref: '#/$defs/missing' }, { $ref: 'http://127.0.0.1:1/schema.json' }, { $dynamicRef: '#meta' }, true, false, {}),
  weird
)
const claimsSchema: Arb<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: shaped({
      type: fc.oneof(fc.constantFrom('object', 'string'), weird),
      properties: fc.oneof(fc.dictionary(key, propertySchema, { maxKeys: 4 }), weird),
      required: fc.oneof(fc.array(key, { maxLength: 3 }), weird),
      additionalProperties: fc.oneof(fc.boolean(), propertySchema),
      $schema: fc.constantFrom('https://json-schema.org/draft/2020-12/schema', 'http://json-schema.org/draft-07/schema#', 'https://evil.example/schema'),
      $id: fc.constantFrom('urn:tenant:x', 'https://evil.example/x', '//evil', 'x'),
      $defs: fc.dictionary(key, propertySchema, { maxKeys: 2 })
    }, ['type'])
  },
  { weight: 1, arbitrary: weird }
)
const staticClaims: Arb<unknown> = fc.oneof(fc.dictionary(key, weird, { maxKeys: 4 }), weird)
const alg: Arb<unknown> = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('HS256', 'ES256', 'EdDSA', 'RS256', 'none', 'NONE', 'HS512', '') }, { weight: 1, arbitrary: weird })
const freshTenantId: Arb<string> = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,62}$/)

const tenantCreateFields = {
  id: fc.oneof({ weight: 4, arbitrary: freshTenantId }, { weight: 1, arbitrary: fc.constantFrom('fz-smooch', 'adm-custom', 'A', 'a', 'a_b', '-ab', 'a'.repeat(64)) }, { weight: 1, arbitrary: text }),
  name: text,
  profile: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PROFILE_NAMES) }, { weight: 1, arbitrary: weird }),
  profileOptions,
  alg,
  tokenPolicy,
  rateLimit,
  claimsSchema,
  staticClaims,
  rotation,
  generateKey: fc.oneof(fc.boolean(), weird)
}

/** Mostly the required members plus one optional one (so creation often succeeds), else any of them. */
const tenantCreateBody: Arb<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      required: fc.record({ id: freshTenantId, name: fc.string({ minLength: 1, maxLength: 30 }), profile: fc.constantFrom('smooch', 'khoros', 'chat-widget', 'custom') }),
      optional: fc.option(fc.constantFrom(...Object.keys(tenantCreateFields).slice(3) as Array<keyof typeof tenantCreateFields>)
        .chain(name => tenantCreateFields[name].map(value => ({ [name]: value }))), { freq: 3 })
    }).map(({ required, optional }) => merge(required, optional))
  },
  { weight: 2, arbitrary: shaped(tenantCreateFields, ['id', 'name', 'profile']) }
)

/** One valid member most of the time (so the service, not only the schema, sees it), else anything. */
const tenantPatchBody: Arb<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.record({ name: text }),
      fc.record({ profileOptions }),
      fc.record({ alg }),
      fc.record({ tokenPolicy }),
      fc.record({ rateLimit }),
      fc.record({ claimsSchema }),
      fc.record({ staticClaims })
    )
  },
  { weight: 2, arbitrary: shaped({ name: text, profileOptions, alg, tokenPolicy, rateLimit, claimsSchema, staticClaims }, []) }
)

function keyCreateBody (world: FuzzWorld): Arb<unknown> {
  const kid = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/), boundaryString, text)
  const fields = {
    alg,
    kid,
    secret: fc.oneof(fc.string({ minLength: 1, maxLength: 600 }), boundaryString, weird),
    privateKeyPem: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...world.pems) }, { weight: 1, arbitrary: weird }),
    // 3072 and 4096 are left out: generating such an RSA key takes seconds, over the per-request bound.
    modulusLength: fc.oneof(fc.constantFrom(2048, 1024, 512, 0, 4097, '2048'), weird),
    activateAt: time
  }
  // Each way of adding a key, well formed but for its values, else any mix of the members.
  return fc.oneof(
    fc.record({ alg: fc.constantFrom('HS256', 'ES256', 'EdDSA'), activateAt: time }, { requiredKeys: ['alg'] }),
    fc.record({ kid: fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/), secret: fc.string({ minLength: 16, maxLength: 64 }), alg: fc.constant('HS256'), activateAt: time }, { requiredKeys: ['kid', 'secret'] }),
    fc.record({ privateKeyPem: fields.privateKeyPem, kid, activateAt: time }, { requiredKeys: ['privateKeyPem'] }),
    shaped(fields, [])
  )
}
const rotateBody: Arb<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ at: fc.date({ min: new Date('2030-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map(date => date.toISOString()), prepublish: fc.integer({ min: 0, max: 100_000 }) }, { requiredKeys: [] }) },
  { weight: 3, arbitrary: shaped({ at: time, prepublish: int }, []) }
)
const apiKeyBody: Arb<unknown> = shaped({ name: fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) }, { weight: 1, arbitrary: boundaryString }, { weight: 1, arbitrary: weird }) }, ['name'])
const rotationBody: Arb<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ every: fc.integer({ min: 3600, max: 10_000_000 }), prepublish: fc.integer({ min: 0, max: 300 }) }, { requiredKeys: ['every'] }) },
  { weight: 3, arbitrary: shaped({ every: int, prepublish: int }, ['every']) }
)

/** Percent-encodes every byte but unreserved characters (lone surrogates become U+FFFD). */
function encodeSegment (value: string): string {
  return [...Buffer.from(value, 'utf8')].map(byte => /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')
}

/** Tenant ids in the path: known ones, fresh valid ones, unicode, dots, %-encoding and very long ones. */
function tenantPath (known: string[]): Arb<string> {
  return fc.oneof(
    { weight: 14, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: freshTenantId },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map(encodeSegment) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(encodeSegment) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }).map(s => encodeURIComponent(s)) },
    { weight: 2, arbitrary: fc.constantFrom('.', '..', '%2e', '%2e%2e', '%2F', 'a%2Fb', '%', '%zz', '%00', '%C0%AE', '%E2%82', 'a%20b', 'fz-smooch.', '.fz-smooch', 'FZ-SMOOCH', 'fz-smooch%00', '-ab', 'a', '%F0%9F%98%80', 'caf%C3%A9') },
    { weight: 1, arbitrary: fc.integer({ min: 63, max: 4000 }).map(n => 'a'.repeat(n)) }
  )
}

/** Header values as an HTTP client could send them: visible Latin-1 and tabs. */
const headerSafe = (value: string): string => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')

function nearKey (apiKey: string): Arb<string> {
  return fc.oneof(
    fc.record({ at: fc.nat(apiKey.length - 1), ch: fc.constantFrom('a', 'Z', '0', '_', '-', '.', ' ', 'é') }).map(({ at, ch }) => apiKey.slice(0, at) + ch + apiKey.slice(at + 1)),
    fc.nat(apiKey.length).map(n => apiKey.slice(0, n)),
    fc.string({ minLength: 1, maxLength: 3 }).map(s => apiKey + s),
    fc.constantFrom(apiKey.toUpperCase(), apiKey.replace(/^tm_/, 'TM_'), apiKey.replace(/_([^_]+)_/, '__$1_')),
    freshTenantId.map(id => apiKey.replace(/^tm_[a-z0-9-]+_/, `tm_${id}_`))
  )
}

/** Authorization for the tenant routes: the tenant's key mostly, else other tenants' keys, near misses and garbage. */
function apiKeyAuth (tenant: FuzzTenant, world: FuzzWorld): Arb<string | undefined> {
  const others = [...world.issuers, ...world.targets].filter(other => other.id !== tenant.id).map(other => other.apiKey)
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant(`Bearer ${tenant.apiKey}`) },
    { weight: 1, arbitrary: fc.constantFrom(`bearer   ${tenant.apiKey}  `, `BEARER ${tenant.apiKey}`, `Bearer\t${tenant.apiKey}`) },
    { weight: 2, arbitrary: fc.constantFrom(...others).map(other => `Bearer ${other}`) },
    { weight: 3, arbitrary: nearKey(tenant.apiKey).map(near => `Bearer ${near}`) },
    { weight: 2, arbitrary: fc.constantFrom(undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer tm_', 'Bearer tm___', `Bearer ${ADMIN_TOKEN}`, 'Bearer a b', `Bearer ${tenant.apiKey} extra`, `Token ${tenant.apiKey}`, tenant.apiKey) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map(s => `Bearer ${s}`) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) }
  ).map(value => value === undefined ? undefined : headerSafe(value))
}

const adminAuth: Arb<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(`Bearer ${ADMIN_TOKEN}`) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', 'Bearer', `Bearer ${ADMIN_TOKEN}x`, `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, `bearer ${ADMIN_TOKEN}`, ADMIN_TOKEN, `Basic ${ADMIN_TOKEN}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map(s => headerSafe(`Bearer ${s}`)) }
)

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8']
const ODD_TYPES = [undefined, '', 'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/problem+json',
  'application/jsonx', 'application/octet-stream', 'APPLICATION/JSON', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json;;', ';',
  'application/*', '*/*', 'application/json, text/plain', 'application/json; boundary="']

/** Text that is not JSON, or JSON with a twist: truncated, BOM-prefixed, duplicated keys, poisoned prototypes. */
const rawBody: Arb<string | Buffer> = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.json({ maxDepth: 3 }),
  fc.json({ maxDepth: 3 }).map(json => json.slice(0, -1)),
  fc.json({ maxDepth: 2 }).map(json => `\ufeff${json}`),
  fc.uint8Array({ maxLength: 64 }).map(bytes => Buffer.from(bytes)),
  fc.constantFrom('', 'null', '[]', '"x"', '1e999', '{"a":1}{"b":2}', '{"userId":"a","userId":"b"}', '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}', '{"userId":"a","__proto__":null}', '\u0000', '{', '}', 'userId=a', '{"a":"\ud800"}',
    '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', '['.repeat(7000) + ']'.repeat(7000))
)

interface Body { payload?: string | Buffer, type?: string }

/** A body for a route: the shaped one as JSON mostly, else any value, raw text, or an odd content type. */
function body (shape: Arb<unknown>, optional = false): Arb<Body> {
  const json = (value: unknown, type: string | undefined): Body => {
    const payload = toJson(value)
    return payload === undefined ? { type } : { payload, type }
  }
  return fc.oneof(
    { weight: 10, arbitrary: fc.tuple(shape, fc.constantFrom(...JSON_TYPES)).map(([value, type]) => json(value, type)) },
    { weight: 1, arbitrary: fc.tuple(weird, fc.constantFrom(...JSON_TYPES)).map(([value, type]) => json(value, type)) },
    { weight: 1, arbitrary: fc.tuple(rawBody, fc.constantFrom(...JSON_TYPES)).map(([payload, type]) => ({ payload, type })) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(shape.map(value => toJson(value) ?? ''), rawBody), fc.constantFrom(...ODD_TYPES)).map(([payload, type]) => ({ payload, type })) },
    { weight: optional ? 2 : 0, arbitrary: fc.constantFrom<Body>({}, { type: 'application/json' }) }
  )
}

function request (route: RouteName, method: FuzzRequest['method'], url: string, auth: string | undefined, content: Body = {}): FuzzRequest {
  const headers: Record<string, string> = {}
  if (auth !== undefined) headers.authorization = auth
  if (content.type !== undefined) headers['content-type'] = content.type
  return content.payload === undefined ? { route, method, url, headers } : { route, method, url, headers, payload: content.payload }
}

const auditQuery = (targets: string[]): Arb<string> => fc.oneof(
  fc.array(fc.tuple(
    fc.oneof(fc.constantFrom('tenant', 'limit', 'cursor', '__proto__', 'constructor', 'tenant[]', 'limit[]', '__proto__[limit]', 'toString'), fc.string({ maxLength: 8 })),
    fc.oneof(fc.constantFrom(...targets, '1', '0', '-1', '100', '1000', '1001', '1e3', '1.5', 'NaN', 'Infinity', '', 'true'), fc.string({ maxLength: 20 }), fc.integer().map(String)),
    fc.boolean()
  ), { maxLength: 4 }).map(pairs => pairs.map(([name, value, encoded]) => encoded ? `${encodeURIComponent(name)}=${encodeURIComponent(value)}` : `${name}=${value}`.replace(/[^\x21-\x7e]|#/g, '')).join('&')),
  fc.string({ maxLength: 40 }).map(s => s.replace(/[^\x21-\x7e]|#/g, '')),
  fc.constantFrom('%', '%zz=1', 'limit=%', 'tenant=%00', '&&&', '=', 'limit=1&limit=2', 'tenant=adm-smooch&tenant=adm-custom')
)

/** One generated request to the issuance or admin routes. */
export function fuzzRequest (world: FuzzWorld): Arb<FuzzRequest> {
  const all = [...world.issuers, ...world.targets]
  const targetIds = world.targets.map(tenant => tenant.id)
  const adminTenant = tenantPath(targetIds)
  const tenantRoute = (route: 'tokens' | 'verify'): Arb<FuzzRequest> => fc.record({ tenant: fc.constantFrom(...all), path: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: tenantPath(all.map(t => t.id)) }) })
    .chain(({ tenant, path }) => fc.tuple(apiKeyAuth(tenant, world), body(route === 'tokens' ? issueBody(tenant.profile) : shaped({ token: tokenOf(tenant) }, ['token'])))
      .map(([auth, content]) => request(route, 'POST', `/v1/tenants/${path ?? tenant.id}/tokens${route === 'verify' ? '/verify' : ''}`, auth, content)))
  const adminRoute = (route: RouteName, method: FuzzRequest['method'], suffix: string, shape: Arb<unknown>, optional = false): Arb<FuzzRequest> =>
    fc.tuple(adminTenant, adminAuth, body(shape, optional)).map(([tenant, auth, content]) => request(route, method, `/v1/admin/tenants/${tenant}${suffix}`, auth, content))
  return fc.oneof(
    { weight: 30, arbitrary: tenantRoute('tokens') },
    { weight: 14, arbitrary: tenantRoute('verify') },
    { weight: 14, arbitrary: fc.tuple(adminAuth, body(tenantCreateBody)).map(([auth, content]) => request('tenant.create', 'POST', '/v1/admin/tenants', auth, content)) },
    { weight: 10, arbitrary: adminRoute('tenant.patch', 'PATCH', '', tenantPatchBody) },
    { weight: 8, arbitrary: adminRoute('keys.create', 'POST', '/keys', keyCreateBody(world)) },
    { weight: 6, arbitrary: adminRoute('keys.rotate', 'POST', '/keys/rotate', rotateBody, true) },
    { weight: 5, arbitrary: adminRoute('api-keys.create', 'POST', '/api-keys', apiKeyBody) },
    { weight: 5, arbitrary: adminRoute('rotation.put', 'PUT', '/rotation', rotationBody) },
    { weight: 5, arbitrary: fc.tuple(auditQuery(targetIds), adminAuth).map(([query, auth]) => request('audit', 'GET', `/v1/admin/audit?${query}`, auth)) }
  )
}

export interface Answer {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}

/** What is wrong with an answer: a 5xx, or a 4xx that is not complete problem+json; undefined when it is fine. */
export function answerFault (res: Answer): string | undefined {
  if (res.statusCode >= 500) return `a ${res.statusCode}`
  if (res.statusCode < 400) return undefined
  const type = String(res.headers['content-type'] ?? '')
  if (!/^application\/problem\+json(;|$)/.test(type)) return `a ${res.statusCode} with content-type ${type}`
  let problem: Record<string, unknown>
  try {
    problem = JSON.parse(res.body)
  } catch {
    return `a ${res.statusCode} whose body is not JSON`
  }
  for (const member of ['type', 'title', 'detail', 'code']) {
    if (typeof problem[member] !== 'string' || problem[member] === '') return `a ${res.statusCode} problem without a ${member}`
  }
  if (problem.status !== res.statusCode) return `a ${res.statusCode} problem saying status ${String(problem.status)}`
  if (!/^[A-Z][A-Z_]+$/.test(problem.code as string)) return `a problem code ${String(problem.code)}`
  if (problem.code === 'VALIDATION_FAILED') {
    const errors = problem.errors
    if (!Array.isArray(errors) || errors.length === 0) return 'a VALIDATION_FAILED without errors[]'
    for (const error of errors) {
      if (typeof error?.path !== 'string' || typeof error?.message !== 'string' || error.message === '') return `a VALIDATION_FAILED error ${JSON.stringify(error)}`
      if (error.path !== '' && !error.path.startsWith('/')) return `a VALIDATION_FAILED path that is not a JSON pointer: ${JSON.stringify(error.path)}`
    }
  }
  return undefined
}

/** The request, short enough to read in a failure message. */
export function describeRequest (req: FuzzRequest): string {
  const clip = (s: string): string => s.length > 300 ? `${s.slice(0, 300)}... (${s.length} chars)` : s
  const payload = req.payload === undefined ? '(none)' : clip(Buffer.isBuffer(req.payload) ? `<bytes ${req.payload.toString('hex')}>` : req.payload)
  return `${req.method} ${clip(req.url)}\nheaders: ${JSON.stringify(req.headers)}\nbody: ${payload}`
}
