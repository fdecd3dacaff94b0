// Tests key generation for every algorithm and the refusal of anything else.
import t from 'tap'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose'
import { generateKey } from '../../../src/keys/generate.js'
import type { Alg } from '../../../src/types.js'

const PKCS8_PEM = /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/

t.test('HS256: a 43-character base64url secret of 32 random bytes and a random kid', async t => {
  const a = await generateKey('HS256')
  const b = await generateKey('HS256')
  t.equal(a.alg, 'HS256')
  t.match(a.secret, /^[A-Za-z0-9_-]{43}$/)
  t.equal(Buffer.from(a.secret, 'base64url').length, 32)
  t.match(a.kid, /^hs_[A-Za-z0-9_-]{22}$/)
  t.equal(a.publicJwk, undefined, 'a symmetric key has no public JWK')
  t.not(a.secret, b.secret)
  t.not(a.kid, b.kid)
})

const asymmetric: Array<{ alg: Exclude<Alg, 'HS256'>, type: string, details: Record<string, unknown>, options?: { modulusLength: 3072 } }> = [
  { alg: 'RS256', type: 'rsa', details: { modulusLength: 2048, publicExponent: 65537n } },
  { alg: 'RS256', type: 'rsa', details: { modulusLength: 3072 }, options: { modulusLength: 3072 } },
  { alg: 'ES256', type: 'ec', details: { namedCurve: 'prime256v1' } },
  { alg: 'EdDSA', type: 'ed25519', details: {} }
]

for (const { alg, type, details, options } of asymmetric) {
  t.test(`${alg} ${JSON.stringify(options ?? {})}: a PKCS#8 private key, its public JWK, kid = RFC 7638 thumbprint`, async t => {
    const material = await generateKey(alg, options)
    t.equal(material.alg, alg)
    t.match(material.secret, PKCS8_PEM)
    const privateKey = createPrivateKey(material.secret)
    t.equal(privateKey.asymmetricKeyType, type)
    t.match(privateKey.asymmetricKeyDetails, details)

    const expected = await exportJWK(createPublicKey(privateKey))
    t.ok(material.publicJwk)
    const jwk = material.publicJwk as JWK
    t.equal(material.kid, await calculateJwkThumbprint(expected))
    t.same(jwk, { ...expected, kid: material.kid, alg, use: 'sig' }, 'the public half of the generated private key, nothing private')

    const again = await generateKey(alg, options)
    t.not(again.kid, material.kid)
  })
}

t.test('refuses an algorithm it does not support', async t => {
  for (const alg of ['none', 'HS512', 'PS256', 'rs256', '']) {
    await t.rejects(generateKey(alg as Alg), { code: 'VALIDATION_FAILED', errors: [{ path: 'alg' }] }, alg)
  }
})

t.test('refuses an RSA size it does not offer', async t => {
  for (const modulusLength of [1024, 2047, 8192]) {
    await t.rejects(generateKey('RS256', { modulusLength } as unknown as { modulusLength: 2048 }),
      { code: 'VALIDATION_FAILED', errors: [{ path: 'modulusLength' }] }, String(modulusLength))
  }
})
