// Response headers: nosniff everywhere, a CSP and frame protection on the HTML pages, no-store on every answer carrying a secret.
import { request as httpRequest, type IncomingMessage } from 'node:http'
import t from 'tap'
import { ADMIN_TOKEN, build } from '../../helpers/build.js'
import { es256Tenant } from '../../helpers/key-lifecycle.js'
import { adminHeaders, createTenant, issue } from '../../helpers/tenants.js'

t.test('every answer that carries a secret, an API key or a token has Cache-Control: no-store', async t => {
  const { app } = await build(t)
  const post = async (url: string, payload: object) => await app.inject({ method: 'POST', url, headers: adminHeaders, payload })

  const created = await post('/v1/admin/tenants', { id: 'secrets', name: 'secrets', profile: 'smooch' })
  t.equal(created.statusCode, 201)
  t.type(created.json().initialSecret, 'string', 'the tenant answer carries initialSecret')
  t.equal(created.headers['cache-control'], 'no-store', 'tenant creation')

  const apiKey = await post('/v1/admin/tenants/secrets/api-keys', { name: 'backend' })
  t.equal(apiKey.statusCode, 201)
  t.type(apiKey.json().apiKey, 'string')
  t.equal(apiKey.headers['cache-control'], 'no-store', 'API key creation')

  const key = await post('/v1/admin/tenants/secrets/keys', { alg: 'HS256' })
  t.equal(key.statusCode, 201)
  t.type(key.json().secret, 'string', 'a generated secret')
  t.equal(key.headers['cache-control'], 'no-store', 'key generation')

  const rotated = await post('/v1/admin/tenants/secrets/keys/rotate', {})
  t.equal(rotated.statusCode, 201)
  t.type(rotated.json().secret, 'string', 'the rotated HS256 secret')
  t.equal(rotated.headers['cache-control'], 'no-store', 'rotation')

  const token = await issue(app, 'secrets', apiKey.json().apiKey, { userId: 'u1' })
  t.equal(token.statusCode, 201)
  t.type(token.json().token, 'string')
  t.equal(token.headers['cache-control'], 'no-store', 'an issued token')

  const read = await app.inject({ url: '/v1/admin/tenants/secrets', headers: adminHeaders })
  t.equal(read.statusCode, 200)
  t.not(read.headers['cache-control'], 'no-store', 'an answer without a secret keeps its caching')
})

t.test('every response carries x-content-type-options: nosniff, JWKS, 404 and errors included (over a real connection)', async t => {
  const { app, url } = await build(t, { listen: true })
  await createTenant(app, es256Tenant('sniff'))
  const get = async (path: string, init?: RequestInit): Promise<Response> => await fetch(`${url}${path}`, init)
  const answers = {
    jwks: await get('/v1/tenants/sniff/jwks.json'),
    'well-known JWKS': await get('/t/sniff/.well-known/jwks.json'),
    'a 304': await get('/v1/tenants/sniff/jwks.json', { headers: { 'if-none-match': '*' } }),
    'an unmatched route (404)': await get('/no/such/route'),
    'an unknown tenant': await get('/v1/tenants/nobody/jwks.json'),
    'a refused admin call (401)': await get('/v1/admin/tenants'),
    'a refused issuance (401)': await get('/v1/tenants/sniff/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    'a body that is not JSON (400)': await get('/v1/admin/tenants', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{' }),
    healthz: await get('/healthz')
  }
  t.equal(answers.jwks.status, 200)
  t.equal(answers['a 304'].status, 304)
  t.equal(answers['an unmatched route (404)'].status, 404)
  t.equal(answers['an unknown tenant'].status, 404)
  t.equal(answers['a refused admin call (401)'].status, 401)
  t.equal(answers['a body that is not JSON (400)'].status, 400)
  for (const [what, res] of Object.entries(answers)) {
    t.equal(res.headers.get('x-content-type-options'), 'nosniff', what)
    if (!what.includes('(400)')) t.not(res.headers.get('connection'), 'close', `${what}: the connection stays open while the app runs`)
    await res.arrayBuffer()
  }
})

t.test('a request in flight when the app starts closing is answered with connection: close', async t => {
  const { app, url } = await build(t, { listen: true })
  const body = JSON.stringify({ id: 'closing', name: 'Closing', profile: 'smooch' })
  const before = await fetch(`${url}/healthz`)
  t.equal(before.headers.get('connection'), 'keep-alive', 'before close: keep-alive')
  await before.arrayBuffer()

  // The request is accepted (its head parsed), then close() begins while its body is still arriving.
  const accepted = new Promise<void>(resolve => { app.server.once('request', () => { resolve() }) })
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(`${url}/v1/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
    }, resolve)
    req.on('error', reject)
    req.write(body.slice(0, 10))
    accepted.then(() => {
      const closing = app.close()
      req.end(body.slice(10))
      closing.catch(reject)
    }, reject)
  })
  const res = await answer
  const text = await new Promise<string>(resolve => {
    let data = ''
    res.on('data', chunk => { data += String(chunk) })
    res.on('end', () => { resolve(data) })
  })
  t.equal(res.statusCode, 201, `the request in flight completes: ${text}`)
  t.equal(res.headers.connection, 'close', 'and ends its connection')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
})

t.test('the HTML pages (/admin, /docs) have a CSP with frame-ancestors \'none\' and X-Frame-Options: DENY', async t => {
  const { app } = await build(t)
  for (const url of ['/admin', '/docs', '/docs/']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.match(res.headers['content-type'], /^text\/html/, url)
    const csp = String(res.headers['content-security-policy']).split(/;\s*/)
    t.ok(csp.includes("frame-ancestors 'none'"), `${url}: may not be framed (CSP)`)
    t.ok(csp.some(part => part.startsWith('script-src') && !part.includes('unsafe')), `${url}: scripts from the origin only`)
    t.ok(csp.includes("object-src 'none'") || csp.includes("default-src 'none'"), `${url}: no plugins`)
    t.equal(res.headers['x-frame-options'], 'DENY', url)
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
  }
  const docs = await app.inject('/docs/')
  t.notMatch(docs.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'Swagger UI has no inline script the CSP would block')
  const dashboardCsp = String((await app.inject('/admin')).headers['content-security-policy'])
  t.match(dashboardCsp, /^default-src 'none'/, 'the dashboard keeps its own strict policy')
  t.equal((await app.inject('/docs/json')).statusCode, 200, 'the document is still served')
  t.equal((await app.inject('/docs/static/swagger-ui-bundle.js')).statusCode, 200, 'and the UI\'s scripts')
})
