// Baseline (b), the ceiling: minimal fastify + fast-jwt HS256 issuer with the smooch body schema and a signer built once.
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { createSigner } from 'fast-jwt'
import { announce, closeOnSignal, DEFAULT_TTL, HOST, issueBodySchema, issueResponseSchema, portFromArgs, strictAjv } from './listen.js'

const secret = randomBytes(32).toString('base64url')
const kid = 'hs-bench-1'
const sign = createSigner({ key: secret, algorithm: 'HS256', kid })

interface IssueBody { userId: string, ttl?: number }

const app = Fastify({ logger: false, ajv: strictAjv, bodyLimit: 16 * 1024 })

app.post<{ Body: IssueBody }>('/tokens', { schema: { body: issueBodySchema, response: issueResponseSchema } }, async (request, reply) => {
  const iat = Math.floor(Date.now() / 1000)
  const exp = iat + (request.body.ttl ?? DEFAULT_TTL)
  const token = sign({ scope: 'appUser', userId: request.body.userId, iat, exp })
  reply.code(201)
  return { token, tokenType: 'JWT', alg: 'HS256', kid, issuedAt: iat, expiresAt: exp }
})

await app.listen({ port: portFromArgs(), host: HOST })
announce(app.server)
closeOnSignal(() => app.close())
