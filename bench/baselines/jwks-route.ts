// Baseline for bench/jwks-floor.ts: a bare fastify app whose GET / answers exactly the bytes of a tokenmint JWKS
// response (body and headers from JWKS_RESPONSE), plus an issuance-like POST /t and a GET /healthz to give it the
// same kinds of other traffic. `--logger` turns on fastify's logger at warn, as tokenmint runs it.
import Fastify from 'fastify'
import { announce, closeOnSignal, HOST, portFromArgs } from './listen.js'

interface RecordedResponse { body: string, headers: Record<string, string> }

const recorded = JSON.parse(process.env.JWKS_RESPONSE ?? '') as RecordedResponse
const logger = process.argv.includes('--logger') ? { level: 'warn' } : false
const app = Fastify({ logger })

app.get('/', (_request, reply) => reply.headers(recorded.headers).send(recorded.body))

app.post('/t', {
  schema: {
    body: { type: 'object', properties: { userId: { type: 'string' } }, required: ['userId'] },
    response: { 201: { type: 'object', properties: { token: { type: 'string' }, expiresAt: { type: 'string' } } } }
  }
}, async (request, reply) => {
  if (request.headers.authorization === undefined) throw new Error('no authorization header')
  const { userId } = request.body as { userId: string }
  return await reply.header('cache-control', 'no-store').code(201).send({ token: `${'x'.repeat(200)}.${userId}`, expiresAt: new Date().toISOString() })
})

app.get('/healthz', async () => ({ status: 'ok' }))

await app.listen({ port: portFromArgs(), host: HOST })
announce(app.server)
closeOnSignal(() => app.close())
