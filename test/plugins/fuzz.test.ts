// Fuzzing of the issuance and admin routes: generated bodies, headers, content types and tenant ids never get a 5xx, a hang or a 4xx that is not problem+json.
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { ADMIN_TOKEN, build, storeReady } from '../helpers/build.js'
import { answerFault, describeRequest, fuzzRequest, type Answer, type FuzzRequest, type FuzzTenant, type FuzzWorld, type RouteName } from '../helpers/fuzz-requests.js'
import { createTenant, issue } from '../helpers/tenants.js'

/** Fixed so a failure replays; FUZZ_SEED=<n> explores another sequence. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261121)
const ANSWER_WITHIN_MS = 5000

const CLAIMS_SCHEMA = {
  type: 'object',
  properties: { sub: { type: 'string', maxLength: 64 }, role: { enum: ['a', 'b'] }, n: { type: 'integer' }, p: { type: 'string', pattern: '^[a-z]+$' } },
  required: ['sub'],
  additionalProperties: false
}

const TENANTS: Array<Record<string, unknown> & { id: string, profile: string, issue: Record<string, unknown> }> = [
  { id: 'fz-smooch', profile: 'smooch', issue: { userId: 'u-1' } },
  { id: 'fz-khoros', profile: 'khoros', issue: { userId: 'u-1', givenName: 'Ada' } },
  { id: 'fz-tiledesk', profile: 'tiledesk', profileOptions: { projectId: 'p1' }, issue: { _id: 'u-1' } },
  { id: 'fz-sceyt', profile: 'sceyt', profileOptions: { applicationId: 'app-1' }, issue: { sub: 'u-1' } },
  { id: 'fz-widget', profile: 'chat-widget', issue: { name: 'Ada', email: 'ada@example.com', external_id: 'u-1' } },
  { id: 'fz-custom', profile: 'custom', alg: 'ES256', claimsSchema: CLAIMS_SCHEMA, staticClaims: { org: 'fuzz' }, issue: { sub: 'u-1' } },
  { id: 'adm-smooch', profile: 'smooch', issue: { userId: 'u-1' } },
  { id: 'adm-khoros', profile: 'khoros', issue: { userId: 'u-1', givenName: 'Ada' } },
  { id: 'adm-tiledesk', profile: 'tiledesk', profileOptions: { projectId: 'p1' }, issue: { _id: 'u-1' } },
  { id: 'adm-widget', profile: 'chat-widget', issue: { name: 'Ada', email: 'ada@example.com', external_id: 'u-1' } },
  { id: 'adm-custom', profile: 'custom', claimsSchema: { type: 'object', properties: { sub: { type: 'string' } }, additionalProperties: true }, issue: { sub: 'u-1' } }
]

/** PEMs to import: each kind of key the service takes, one it refuses for its size, and near misses. */
function pems (): string[] {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const ed = generateKeyPairSync('ed25519')
  const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const big = readFileSync(new URL('../src/keys/fixtures/rsa-8200-test-only.pem', import.meta.url), 'utf8')
  return [
    ecPem,
    ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
    ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    ec.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'fuzz' }).toString(),
    generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    big,
    ecPem.slice(0, 100),
    ecPem.replace(/[A-Za-z]{4}\n/, '!!!!\n'),
    '-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n',
    '-----BEGIN '
  ]
}

async function world (app: FastifyInstance): Promise<FuzzWorld> {
  const tenants: FuzzTenant[] = []
  for (const { issue: sample, ...input } of TENANTS) {
    const created = await createTenant(app, input)
    const res = await issue(app, created.id, created.apiKey, sample)
    if (res.statusCode !== 201) throw new Error(`setup: ${created.id} could not issue: ${res.body}`)
    tenants.push({ id: created.id, profile: input.profile, apiKey: created.apiKey, kids: [created.body.activeKid], token: res.json().token })
  }
  return { issuers: tenants.filter(x => x.id.startsWith('fz-')), targets: tenants.filter(x => x.id.startsWith('adm-')), pems: pems() }
}

/** app.inject, or a rejection once the bound passes. */
async function answer (app: FastifyInstance, req: FuzzRequest): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS)
  })
  try {
    const { payload, route: _route, ...options } = req
    return await Promise.race([app.inject(payload === undefined ? options : { ...options, payload }), bound])
  } finally {
    clearTimeout(timer)
  }
}

/** Runs `runs` generated requests; fails with the request, the answer and the seed that replays it. */
async function fuzz (t: Test, app: FastifyInstance, runs: number, seed: number): Promise<void> {
  const fixtures = await world(app)
  const seen = new Map<string, number>()
  const details = await fc.check(fc.asyncProperty(fuzzRequest(fixtures), async req => {
    const res = await answer(app, req)
    const fault = answerFault(res)
    if (fault !== undefined) throw new Error(`${fault}\n${describeRequest(req)}\nanswer: ${res.statusCode} ${res.body.slice(0, 600)}`)
    seen.set(`${req.route} ${res.statusCode}`, (seen.get(`${req.route} ${res.statusCode}`) ?? 0) + 1)
  }), { seed, numRuns: runs })
  t.equal(details.failed, false, details.failed ? `${String((details.errorInstance as Error | undefined)?.message)}\n${fc.defaultReportMessage(details)}\nreplay with FUZZ_SEED=${seed}` : `${runs} requests, seed ${seed}`)
  t.equal(details.numRuns, runs, 'every generated request was sent')
  t.comment([...seen].sort().map(([what, count]) => `${what}: ${count}`).join(', '))
  // The generators must get past authentication and schemas: each route answered with its success status at least once.
  const success: Record<RouteName, number> = {
    tokens: 201, verify: 200, 'tenant.create': 201, 'tenant.patch': 200, 'keys.create': 201, 'keys.rotate': 201, 'api-keys.create': 201, 'rotation.put': 200, audit: 200
  }
  const missing = Object.entries(success).filter(([route, status]) => (seen.get(`${route} ${status}`) ?? 0) === 0).map(([route]) => route)
  t.same(missing, [], 'every route reached its handler and succeeded at least once')
}

/** The generators send bad admin credentials from one address by design: the failed sign-in limit is not what they test. */
const env = { AUTH_FAILURES_MAX: '1000000' }

t.test('4,000 generated requests against the memory store', async t => {
  const { app } = await build(t, { env })
  await fuzz(t, app, 4000, SEED)
})

t.test('generated requests against a real Redis', async t => {
  const { app } = await build(t, { store: 'redis', env })
  await storeReady(app)
  await fuzz(t, app, 600, SEED + 1)
})

t.test('the failures fuzzing found stay fixed', async t => {
  const { app } = await build(t)
  const fixtures = await world(app)
  const smooch = fixtures.targets.find(x => x.profile === 'smooch') as FuzzTenant
  const custom = fixtures.targets.find(x => x.profile === 'custom') as FuzzTenant
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const b64 = (value: string): string => Buffer.from(value).toString('base64url')
  const cases: Array<{ what: string, req: FuzzRequest, status: number, code?: string }> = [
    {
      what: 'a bad %-encoding in the path',
      req: { route: 'tokens', method: 'POST', url: '/v1/tenants/%E2%82/tokens', headers: { authorization: `Bearer ${smooch.apiKey}`, 'content-type': 'application/json' }, payload: '{}' },
      status: 400,
      code: 'VALIDATION_FAILED'
    },
    {
      what: 'a tenant id over the router\'s 100-character parameter limit',
      req: { route: 'tenant.patch', method: 'PATCH', url: `/v1/admin/tenants/${'a'.repeat(101)}`, headers: { ...admin, 'content-type': 'application/json' }, payload: '{"name":"x"}' },
      status: 400,
      code: 'VALIDATION_FAILED'
    },
    {
      what: 'an imported key with a bad kid (its error path is a JSON pointer)',
      req: { route: 'keys.create', method: 'POST', url: `/v1/admin/tenants/${custom.id}/keys`, headers: { ...admin, 'content-type': 'application/json' }, payload: JSON.stringify({ kid: 'é', privateKeyPem: fixtures.pems[0] }) },
      status: 400,
      code: 'VALIDATION_FAILED'
    },
    {
      what: 'a rotation whose default activation would be past what a Date holds',
      req: { route: 'keys.rotate', method: 'POST', url: `/v1/admin/tenants/${fixtures.issuers.find(x => x.profile === 'custom')?.id ?? ''}/keys/rotate`, headers: { ...admin, 'content-type': 'application/json' }, payload: '{"prepublish":7.198089630534127e+112}' },
      status: 400,
      code: 'VALIDATION_FAILED'
    },
    {
      what: 'a periodic rotation of 10^15 s',
      req: { route: 'rotation.put', method: 'PUT', url: `/v1/admin/tenants/${custom.id}/rotation`, headers: { ...admin, 'content-type': 'application/json' }, payload: '{"every":1000000000000000,"prepublish":999999999999999}' },
      status: 400,
      code: 'VALIDATION_FAILED'
    },
    {
      what: 'a token whose exp no Date can hold',
      req: { route: 'verify', method: 'POST', url: `/v1/tenants/${smooch.id}/tokens/verify`, headers: { authorization: `Bearer ${smooch.apiKey}`, 'content-type': 'application/json' }, payload: JSON.stringify({ token: `${b64('{"alg":"none"}')}.${b64('{"exp":-1e300}')}.` }) },
      status: 200
    },
    {
      what: 'a token whose payload nests 4,000 arrays',
      req: { route: 'verify', method: 'POST', url: `/v1/tenants/${custom.id}/tokens/verify`, headers: { authorization: `Bearer ${custom.apiKey}`, 'content-type': 'application/json' }, payload: JSON.stringify({ token: `MA.${b64(`{"a":${'['.repeat(4000)}${']'.repeat(4000)}}`)}.` }) },
      status: 200
    },
    {
      what: 'a body nesting 7,000 arrays in a claim (parsed, it could not be serialized again)',
      req: { route: 'tokens', method: 'POST', url: `/v1/tenants/${custom.id}/tokens`, headers: { authorization: `Bearer ${custom.apiKey}`, 'content-type': 'application/json' }, payload: `{"sub":"u","a":${'['.repeat(7000)}${']'.repeat(7000)}}` },
      status: 400,
      code: 'VALIDATION_FAILED'
    }
  ]
  for (const { what, req, status, code } of cases) {
    const res = await answer(app, req)
    t.equal(answerFault(res), undefined, what)
    t.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 200)}`)
    if (code !== undefined) t.equal(JSON.parse(res.body).code, code, what)
    if (req.route === 'verify') t.match(JSON.parse(res.body), { valid: false }, `${what}: refused, with its reasons`)
  }
  const deep = await answer(app, (cases.find(c => c.what.includes('4,000 arrays')) as (typeof cases)[number]).req)
  t.equal(JSON.parse(deep.body).claims, null, 'claims nested too deep are not echoed back')
  const keys = await app.inject({ method: 'GET', url: `/v1/admin/tenants/${fixtures.issuers.find(x => x.profile === 'custom')?.id ?? ''}/keys`, headers: admin })
  t.equal(keys.statusCode, 200, 'the refused rotation left the tenant\'s keyring readable')
  t.equal(keys.json().items.length, 1, 'and stored no key')
})
