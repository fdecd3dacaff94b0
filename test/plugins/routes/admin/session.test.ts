// Dashboard sessions: a credential traded for an HttpOnly SameSite=Strict cookie, CSRF on writes, ended on every instance.
import { decodeProtectedHeader, decodeJwt } from 'jose'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { MemoryStore } from '../../../../src/store/memory-store.js'
import { ADMIN_TOKEN, build, twoInstances } from '../../../helpers/build.js'
import { createCredential } from '../../../helpers/access.js'
import { nextChange } from '../../../helpers/key-lifecycle.js'

interface Opened {
  cookie: string
  csrfToken: string
  setCookie: string
  body: Record<string, any>
}

async function signIn (app: FastifyInstance, token: string): Promise<Opened> {
  const res = await app.inject({ method: 'POST', url: '/v1/admin/session', payload: { token } })
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
  const setCookie = String(res.headers['set-cookie'])
  return { cookie: setCookie.split(';')[0], csrfToken: res.json().csrfToken, setCookie, body: res.json() }
}

const withCookie = async (app: FastifyInstance, session: Opened, method: string, url: string, payload?: object, headers: Record<string, string> = {}) =>
  await app.inject({ method: method as 'GET', url, headers: { cookie: session.cookie, ...headers }, ...(payload === undefined ? {} : { payload }) })

t.test('a credential opens a session: an HttpOnly, SameSite=Strict cookie holding an HS256 JWT that names it', async t => {
  const { app } = await build(t)
  const made = await createCredential(app, 'auditor')
  const session = await signIn(app, made.token)
  t.match(session.setCookie, /^tm_session=[^;]+; Max-Age=28800; Path=\/; HttpOnly; SameSite=Strict$/)
  t.notMatch(session.setCookie, /Secure/, 'not Secure under an http PUBLIC_URL')
  t.match(session.body, { id: made.id, name: 'auditor credential', role: 'auditor', tenants: null })
  t.match(session.body.csrfToken, /^[A-Za-z0-9_-]{43}$/)
  t.ok(Date.parse(session.body.expiresAt) > Date.now())
  const jwt = session.cookie.slice('tm_session='.length)
  t.equal(decodeProtectedHeader(jwt).alg, 'HS256')
  const claims = decodeJwt(jwt)
  t.same(Object.keys(claims).sort(), ['exp', 'iat', 'sid'], 'the session id and its lifetime, nothing else')
  t.equal((claims.exp ?? 0) - (claims.iat ?? 0), 28800)
  t.notOk(jwt.includes(made.token.slice(21)), 'never the credential')

  const resumed = await withCookie(app, session, 'GET', '/v1/admin/session')
  t.same(resumed.json(), session.body, 'GET /session tells the page holding the cookie its session and CSRF token again')
  t.equal((await app.inject({ method: 'GET', url: '/v1/admin/session', headers: { authorization: `Bearer ${made.token}` } })).statusCode, 404, 'a bearer request has no session')
  const whoami = await withCookie(app, session, 'GET', '/v1/admin/whoami')
  t.same(whoami.json(), { id: made.id, name: 'auditor credential', role: 'auditor', tenants: null }, 'the cookie authenticates')
  t.equal((await withCookie(app, session, 'POST', '/v1/admin/tenants', { id: 'x1', name: 'x', profile: 'smooch' }, { 'x-csrf-token': session.csrfToken })).statusCode, 403, 'and the role still applies')

  const sealed = JSON.parse(await app.tokenmint.store.sharedSecret('session-key', () => 'not this'))
  t.same(Object.keys(sealed).sort(), ['ct', 'dk', 'mk'], 'the signing key is stored sealed')
})

t.test('under an https PUBLIC_URL the cookie is Secure; a bad credential is 401', async t => {
  const { app } = await build(t, { env: { PUBLIC_URL: 'https://tokenmint.example' } })
  const session = await signIn(app, ADMIN_TOKEN)
  t.match(session.setCookie, /; Secure/)
  t.same(session.body.tenants, null)
  t.equal(session.body.id, 'root')
  const bad = await app.inject({ method: 'POST', url: '/v1/admin/session', payload: { token: 'tmo_0123456789abcdef_' + 'x'.repeat(43) } })
  t.equal(bad.statusCode, 401)
  t.notOk(bad.headers['set-cookie'], 'no cookie')
})

t.test('a write made with the cookie needs x-csrf-token; refused, it writes nothing', async t => {
  const { app, admin } = await build(t)
  const session = await signIn(app, (await createCredential(app, 'operator')).token)
  const before = (await admin('GET', '/v1/admin/audit')).json().items.length
  const tenant = { id: 'csrf-target', name: 'x', profile: 'smooch' }
  const attempts: Array<Record<string, string>> = [{}, { 'x-csrf-token': 'wrong' }, { 'x-csrf-token': session.csrfToken.replace(/.$/, c => c === 'A' ? 'B' : 'A') }]
  for (const headers of attempts) {
    const res = await withCookie(app, session, 'POST', '/v1/admin/tenants', tenant, headers)
    t.equal(res.statusCode, 403, JSON.stringify(headers))
    t.equal(res.json().code, 'CSRF_FAILED')
  }
  t.equal((await admin('GET', '/v1/admin/tenants/csrf-target')).statusCode, 404, 'no tenant was created')
  t.equal((await admin('GET', '/v1/admin/audit')).json().items.length, before, 'and nothing audited')
  const res = await withCookie(app, session, 'POST', '/v1/admin/tenants', tenant, { 'x-csrf-token': session.csrfToken })
  t.equal(res.statusCode, 201, 'with the token it goes through')
  t.equal((await withCookie(app, session, 'GET', '/v1/admin/tenants/csrf-target')).statusCode, 200, 'reads need none')
  const forged = { ...session, cookie: `${session.cookie.slice(0, -3)}abc` }
  t.equal((await withCookie(app, forged, 'GET', '/v1/admin/whoami')).statusCode, 401, 'a tampered cookie is no session')
})

t.test('DELETE /session ends the session on every instance; deleting its credential ends it too', async t => {
  const { a, b } = await twoInstances(t)
  const session = await signIn(a.app, ADMIN_TOKEN)
  t.equal((await withCookie(b.app, session, 'GET', '/v1/admin/whoami')).statusCode, 200, 'the other instance accepts it (one key, sealed in the store)')
  const heard = nextChange(b.app, '', 1000)
  const ended = await withCookie(a.app, session, 'DELETE', '/v1/admin/session', undefined, { 'x-csrf-token': session.csrfToken })
  t.equal(ended.statusCode, 204)
  t.match(String(ended.headers['set-cookie']), /^tm_session=;/, 'the cookie is cleared')
  await heard
  t.equal((await withCookie(b.app, session, 'GET', '/v1/admin/whoami')).statusCode, 401, 'refused by the other instance')
  t.equal((await withCookie(a.app, session, 'GET', '/v1/admin/whoami')).statusCode, 401)

  const made = await createCredential(a.app, 'operator')
  const second = await signIn(a.app, made.token)
  t.equal((await withCookie(b.app, second, 'GET', '/v1/admin/whoami')).statusCode, 200)
  const deleted = nextChange(b.app, '', 1000)
  t.equal((await a.admin('DELETE', `/v1/admin/credentials/${made.id}`)).statusCode, 204)
  await deleted
  t.equal((await withCookie(b.app, second, 'GET', '/v1/admin/whoami')).statusCode, 401, 'a session of a deleted credential is refused everywhere')
})

t.test('a session opened with ADMIN_TOKEN ends when ADMIN_TOKEN is rotated', async t => {
  const store = new MemoryStore()
  const before = await build(t, { sharedStore: store })
  const session = await signIn(before.app, ADMIN_TOKEN)
  t.equal((await withCookie(before.app, session, 'GET', '/v1/admin/whoami')).statusCode, 200)
  const after = await build(t, { sharedStore: store, env: { ADMIN_TOKEN: 'a-rotated-admin-token-0123456789abcdef' } })
  t.equal((await withCookie(after.app, session, 'GET', '/v1/admin/whoami')).statusCode, 401, 'the instance with the new token refuses it')
})
