// Baseline (d), the status quo: express + jsonwebtoken as the platforms' docs show it (secret string or PEM string passed to jwt.sign per request).
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import express from 'express'
import jwt from 'jsonwebtoken'
import { algFromArgs, closeOnSignal, DEFAULT_TTL, HOST, portFromArgs } from './listen.js'

const alg = algFromArgs('HS256')
if (alg !== 'HS256' && alg !== 'RS256') throw new Error(`unsupported alg ${alg}`)
const KEY_ID = `${alg.toLowerCase()}-bench-1`
// What the docs do: a secret string (HS256) or a PEM string (RS256) kept in a variable and handed to jwt.sign each time.
const SECRET = alg === 'HS256'
  ? randomBytes(32).toString('base64url')
  : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

const app = express()
app.disable('x-powered-by')
app.use(express.json({ limit: '16kb' }))

app.post('/tokens', (req, res) => {
  const userId: unknown = req.body?.userId
  if (typeof userId !== 'string') {
    res.status(400).json({ error: 'userId must be a string' })
    return
  }
  const iat = Math.floor(Date.now() / 1000)
  const exp = iat + DEFAULT_TTL
  const token = jwt.sign({ scope: 'appUser', userId, iat, exp }, SECRET, {
    algorithm: alg,
    header: { alg, typ: 'JWT', kid: KEY_ID }
  })
  res.status(201).json({ token, tokenType: 'JWT', alg, kid: KEY_ID, issuedAt: iat, expiresAt: exp })
})

const server = app.listen(portFromArgs(), HOST, () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`)
})
closeOnSignal(() => new Promise<void>(resolve => server.close(() => resolve())))
