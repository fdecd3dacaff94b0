// Baseline (c): minimal fastify issuer signing with async crypto.sign (RS256-2048, ES256 or EdDSA by argv), key parsed once.
import { generateKeyPairSync, sign, type KeyObject, type SignKeyObjectInput } from 'node:crypto'
import Fastify from 'fastify'
import { algFromArgs, announce, closeOnSignal, DEFAULT_TTL, HOST, issueBodySchema, issueResponseSchema, portFromArgs, strictAjv } from './listen.js'

type AsymAlg = 'RS256' | 'ES256' | 'EDDSA'

interface Signing { alg: string, digest: string | null, key: KeyObject | SignKeyObjectInput }

function signingFor (alg: AsymAlg): Signing {
  switch (alg) {
    case 'RS256':
      return { alg: 'RS256', digest: 'sha256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }
    case 'ES256':
      return { alg: 'ES256', digest: 'sha256', key: { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, dsaEncoding: 'ieee-p1363' } }
    case 'EDDSA':
      return { alg: 'EdDSA', digest: null, key: generateKeyPairSync('ed25519').privateKey }
  }
}

const requested = algFromArgs('RS256')
if (requested !== 'RS256' && requested !== 'ES256' && requested !== 'EDDSA') throw new Error(`unsupported alg ${requested}`)
const signing = signingFor(requested)
const kid = `${signing.alg.toLowerCase()}-bench-1`
const issuer = 'http://127.0.0.1/t/bench'
const encodedHeader = Buffer.from(JSON.stringify({ alg: signing.alg, typ: 'JWT', kid })).toString('base64url')

function signAsync (data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign(signing.digest, data, signing.key, (err, signature) => {
      if (err !== null) reject(err)
      else resolve(signature)
    })
  })
}

interface IssueBody { userId: string, ttl?: number }

const app = Fastify({ logger: false, ajv: strictAjv, bodyLimit: 16 * 1024 })

app.post<{ Body: IssueBody }>('/tokens', { schema: { body: issueBodySchema, response: issueResponseSchema } }, async (request, reply) => {
  const iat = Math.floor(Date.now() / 1000)
  const exp = iat + (request.body.ttl ?? DEFAULT_TTL)
  const payload = Buffer.from(JSON.stringify({ userId: request.body.userId, iss: issuer, iat, exp })).toString('base64url')
  const signingInput = `${encodedHeader}.${payload}`
  const signature = await signAsync(Buffer.from(signingInput))
  reply.code(201)
  return { token: `${signingInput}.${signature.toString('base64url')}`, tokenType: 'JWT', alg: signing.alg, kid, issuedAt: iat, expiresAt: exp }
})

await app.listen({ port: portFromArgs(), host: HOST })
announce(app.server)
closeOnSignal(() => app.close())
