// Nothing secret is stored in plaintext: a scan of every Redis key and value after tenants, keys and API keys were made.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { Redis } from 'ioredis'
import t from 'tap'
import { createSealer } from '../../src/crypto/envelope.js'
import type { KeyVersion } from '../../src/types.js'
import { build, storeReady } from '../helpers/build.js'
import { startRedis, uniquePrefix } from '../helpers/redis-server.js'
import { adminHeaders, createTenant } from '../helpers/tenants.js'

/** Every value under `prefix`, read according to its type. */
async function dump (redis: Redis, prefix: string): Promise<string> {
  const parts: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    cursor = next
    for (const key of keys) {
      const type = await redis.type(key)
      parts.push(key)
      if (type === 'string') parts.push(String(await redis.get(key)))
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)))
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)))
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')))
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')))
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)))
    }
  } while (cursor !== '0')
  return parts.join('\n')
}

/** Needles for a private key: its whole PEM body and every private JWK member (the public ones are meant to be public). */
function privateParts (what: string, pem: string): Array<[string, string]> {
  const body = pem.split('\n').filter(line => line.length > 0 && !line.startsWith('-----')).join('')
  const jwk = createPrivateKey(pem).export({ format: 'jwk' }) as Record<string, string>
  const members = ['d', 'p', 'q', 'dp', 'dq', 'qi'].filter(name => typeof jwk[name] === 'string')
  return [[`${what}: PEM body`, body], ...members.map((name): [string, string] => [`${what}: private member ${name}`, jwk[name]])]
}

/** The plaintext and its common encodings. */
function forms (secret: string): string[] {
  const bytes = Buffer.from(secret)
  return [secret, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]
}

t.test('no secret, private key or API key is in Redis in plaintext', async t => {
  const redis = await startRedis(t)
  const prefix = uniquePrefix()
  const { app, config } = await build(t, { redisUrl: redis.url, prefix })
  await storeReady(app)
  const needles: Array<[string, string]> = []

  const hs = await createTenant(app, { id: 'at-rest-hs', profile: 'khoros' })
  needles.push(['generated HS256 secret', hs.initialSecret as string], ['API key', hs.apiKey], ['API key secret', hs.apiKey.split('_').slice(3).join('_')])

  const smoochSecret = 'BFJJ88naxc5PZNAMU9KpBNTR'
  const smooch = await createTenant(app, { id: 'at-rest-smooch', profile: 'smooch', generateKey: false })
  t.equal((await app.inject({ method: 'POST', url: `/v1/admin/tenants/${smooch.id}/keys`, headers: adminHeaders, payload: { kid: '55e9f9bf7a0ce5ca2d429c17', alg: 'HS256', secret: smoochSecret } })).statusCode, 201)
  needles.push(['imported HS256 secret', smoochSecret], ['API key', smooch.apiKey])

  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
  const custom = await createTenant(app, { id: 'at-rest-rsa', profile: 'custom', alg: 'RS256', claimsSchema: { type: 'object' } })
  t.equal((await app.inject({ method: 'POST', url: `/v1/admin/tenants/${custom.id}/keys`, headers: adminHeaders, payload: { privateKeyPem: pem } })).statusCode, 201)
  needles.push(...privateParts('imported PEM', pem))
  needles.push(['API key', custom.apiKey])

  const sceyt = await createTenant(app, { id: 'at-rest-sceyt', profile: 'sceyt', profileOptions: { applicationId: 'a1' } })
  needles.push(['API key', sceyt.apiKey])

  // The generated private keys never left the server: open them here to know what to look for.
  const sealer = createSealer(config.masterKey, config.previousMasterKeys)
  const generated: string[] = []
  for (const id of [custom.id, sceyt.id]) {
    const snapshot = await app.tokenmint.store.getSnapshot(id)
    for (const key of snapshot?.keys ?? [] as KeyVersion[]) {
      const material = sealer.open(key.sealed, { tenant: id, kid: key.kid })
      generated.push(material)
      needles.push(...privateParts(`private key of ${key.kid}`, material))
    }
  }
  t.equal(generated.length, 3, 'three private keys were sealed')

  const reader = new Redis(redis.url)
  t.teardown(() => reader.disconnect())
  const dumped = await dump(reader, prefix)
  t.ok(dumped.length > 1000, 'the scan read the stored records')
  t.match(dumped, 'at-rest-sceyt', 'the scan sees tenant records')
  for (const [what, secret] of needles) {
    for (const form of forms(secret)) t.notOk(dumped.includes(form), `${what} is not stored in plaintext`, { form, context: dumped.slice(Math.max(0, dumped.indexOf(form) - 80), dumped.indexOf(form) + form.length + 20) })
  }
})
