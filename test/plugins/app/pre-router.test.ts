// The pre-router: a cached tenant's JWKS is answered before Fastify routes the request, exactly as the route answers it; anything else reaches Fastify.
import { once } from 'node:events'
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { buildApp } from '../../../plugins/app.js'
import { PreRouter } from '../../../plugins/app/pre-router.js'
import { loadConfig } from '../../../src/config.js'
import { ADMIN_TOKEN, MASTER_KEY } from '../../helpers/build.js'
import { es256Tenant } from '../../helpers/key-lifecycle.js'
import { createTenant } from '../../helpers/tenants.js'

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: string }

/** One HTTP/1.1 request over a real socket (fetch cannot send a GET with a body). */
function send (url: string, options: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Headers that differ between two answers of the same document: the date, and the jittered max-age. */
const stable = (headers: Answer['headers']): Record<string, unknown> => {
  const { date: _date, 'cache-control': cacheControl, ...rest } = headers
  return { ...rest, 'cache-control': String(cacheControl).replace(/max-age=\d+/, 'max-age=N') }
}

async function app (t: Test, logLevel = 'silent') {
  const config = loadConfig({ ADMIN_TOKEN, MASTER_KEY, LOG_LEVEL: logLevel })
  const app = await buildApp({ config, logger: false, scheduler: false })
  // Counts the requests Fastify routed: the fast path never reaches it.
  let routed = 0
  app.addHook('onRequest', async () => { routed++ })
  t.teardown(async () => { await app.close() })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url, routed: () => routed }
}

t.test('a cached tenant\'s JWKS is answered without Fastify, with the route\'s status, headers and body', async t => {
  const { app: server, url, routed } = await app(t)
  await createTenant(server, es256Tenant('fast'))
  for (const path of ['/v1/tenants/fast/jwks.json', '/t/fast/.well-known/jwks.json']) {
    const viaFastify = await server.inject(path)
    t.equal(viaFastify.statusCode, 200)
    const before = routed()
    const fast = await send(`${url}${path}`)
    t.equal(routed(), before, `${path} did not reach Fastify`)
    t.equal(fast.status, 200)
    t.equal(fast.body, viaFastify.body)
    t.same(stable(fast.headers), { ...stable(viaFastify.headers as Answer['headers']), connection: 'keep-alive', 'keep-alive': 'timeout=72' })

    const revalidated = await send(`${url}${path}`, { headers: { 'if-none-match': `W/${String(fast.headers.etag)}` } })
    t.equal(routed(), before, 'nor did the revalidation')
    t.equal(revalidated.status, 304)
    t.equal(revalidated.body, '')
    t.equal(revalidated.headers.etag, fast.headers.etag)
    t.equal(revalidated.headers['content-length'], undefined)
  }

  const scrape = await server.inject('/metrics')
  t.match(scrape.body, /tokenmint_http_request_duration_seconds_count\{method="GET",route="\/t\/:tenant\/.well-known\/jwks.json",status_code="304"\} 1\n/, 'fast answers are counted under the route pattern')
})

t.test('every other request reaches Fastify', async t => {
  const { app: server, url, routed } = await app(t)
  await createTenant(server, es256Tenant('slow'))
  await server.inject('/t/slow/.well-known/jwks.json')
  const cases: Array<[string, Parameters<typeof send>[1], number]> = [
    ['/t/slow/.well-known/jwks.json?fresh=1', {}, 200],
    ['/t/slow/.well-known/jwks.json', { method: 'HEAD' }, 200],
    ['/t/slow/.well-known/jwks.json', { headers: { 'content-type': 'application/json', 'content-length': '2' }, body: '{}' }, 200],
    ['/t/nobody/.well-known/jwks.json', {}, 404],
    ['/t/Slow/.well-known/jwks.json', {}, 400],
    ['/t/slow/extra/.well-known/jwks.json', {}, 404],
    ['/healthz', {}, 200]
  ]
  for (const [path, options, status] of cases) {
    const before = routed()
    const answer = await send(`${url}${path}`, options)
    t.equal(answer.status, status, `${options?.method ?? 'GET'} ${path}`)
    t.equal(routed(), before + 1, `${path} was routed by Fastify`)
  }
})

t.test('a tenant not cached yet is loaded by the route, then answered from the cache', async t => {
  const { app: server, url, routed } = await app(t)
  await createTenant(server, es256Tenant('cold'))
  server.tokenmint.cache.drop('cold')
  const before = routed()
  const first = await send(`${url}/v1/tenants/cold/jwks.json`)
  t.equal(first.status, 200)
  t.equal(routed(), before + 1, 'the first request loads the tenant through the route')
  t.equal((await send(`${url}/v1/tenants/cold/jwks.json`)).body, first.body)
  t.equal(routed(), before + 1, 'the next one is answered from the cache')
})

t.test('the server factory: fast paths first, Fastify\'s handler for the rest and for everything after close()', async t => {
  const preRouter = new PreRouter()
  preRouter.add((request, response) => {
    if (request.url !== '/fast') return false
    response.end('fast')
    return true
  })
  const handler = (_request: IncomingMessage, response: ServerResponse): void => { response.end('fastify') }
  const server = preRouter.serverFactory(handler, { keepAliveTimeout: 1234, requestTimeout: 5678, connectionTimeout: 0, maxRequestsPerSocket: 9 }) as Server
  t.equal(server.keepAliveTimeout, 1234, 'Fastify\'s server settings are applied')
  t.equal(server.requestTimeout, 5678)
  t.equal(server.maxRequestsPerSocket, 9)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.equal((await send(`${base}/fast`)).body, 'fast')
  t.equal((await send(`${base}/other`)).body, 'fastify')
  preRouter.close()
  t.equal((await send(`${base}/fast`)).body, 'fastify')
})

t.test('a fast path that throws leaves the request to Fastify, or ends it if it had started answering', async t => {
  const preRouter = new PreRouter()
  preRouter.add(request => {
    if (request.url === '/fails-early') throw new Error('before answering')
    return false
  })
  preRouter.add((request, response) => {
    if (request.url !== '/fails-midway') return false
    response.writeHead(200, { 'content-length': '10' })
    response.write('part')
    throw new Error('midway')
  })
  const server = preRouter.serverFactory((_request, response) => { response.end('fastify') }, {}) as Server
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.equal((await send(`${base}/fails-early`)).body, 'fastify')
  await t.rejects(send(`${base}/fails-midway`), 'the half-sent response is cut off')
  t.equal((await send(`${base}/fails-early`)).body, 'fastify', 'and the server still serves')
})

t.test('at a log level that logs requests, there is no pre-router', async t => {
  const { app: server, url, routed } = await app(t, 'info')
  await createTenant(server, es256Tenant('logged'))
  await server.inject('/t/logged/.well-known/jwks.json')
  const before = routed()
  t.equal((await send(`${url}/t/logged/.well-known/jwks.json`)).status, 200)
  t.equal(routed(), before + 1)
})
