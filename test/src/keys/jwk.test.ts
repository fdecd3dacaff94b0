// Tests public JWK export and RFC 7638 thumbprints.
import t from 'tap'
import { createPublicKey, generateKeyPairSync, createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose'
import { keyThumbprint, publicJwk, thumbprint } from '../../../src/keys/jwk.js'
import { TokenmintError } from '../../../src/errors.js'
import type { Alg } from '../../../src/types.js'

/** RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint. */
const RFC7638_EXAMPLE = {
  jwk: {
    kty: 'RSA',
    n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    e: 'AQAB',
    alg: 'RS256',
    kid: '2011-04-29'
  },
  thumbprint: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

const pairs: Array<{ alg: Exclude<Alg, 'HS256'>, privateKey: KeyObject, members: string[] }> = [
  { alg: 'RS256', privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, members: ['kty', 'n', 'e', 'kid', 'alg', 'use'] },
  { alg: 'ES256', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, members: ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'] },
  { alg: 'EdDSA', privateKey: generateKeyPairSync('ed25519').privateKey, members: ['kty', 'crv', 'x', 'kid', 'alg', 'use'] }
]

t.test('thumbprint of the RFC 7638 §3.1 example', async t => {
  t.equal(thumbprint(RFC7638_EXAMPLE.jwk), RFC7638_EXAMPLE.thumbprint)
  t.equal(await calculateJwkThumbprint(RFC7638_EXAMPLE.jwk as JWK), RFC7638_EXAMPLE.thumbprint, 'the vector is the one jose agrees with')
})

t.test('thumbprint counts only the required members', async t => {
  const { alg, kid, ...bare } = RFC7638_EXAMPLE.jwk
  t.equal(thumbprint(bare), RFC7638_EXAMPLE.thumbprint)
  t.equal(thumbprint({ ...bare, kid: 'other', use: 'sig', x5t: 'abc' }), RFC7638_EXAMPLE.thumbprint)
  t.not(thumbprint({ ...bare, e: 'AQAC' }), RFC7638_EXAMPLE.thumbprint)
  t.equal(thumbprint({ kty: 'oct', k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow' }),
    await calculateJwkThumbprint({ kty: 'oct', k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow' }))
})

t.test('thumbprint refuses a JWK without its required members', async t => {
  const { n, ...withoutN } = RFC7638_EXAMPLE.jwk
  t.throws(() => thumbprint(withoutN), { code: 'INVALID_KEY', errors: [{ path: 'jwk' }] })
  t.throws(() => thumbprint({ kty: 'EC', crv: 'P-256', x: 'abc' }), { code: 'INVALID_KEY' })
  t.throws(() => thumbprint({ kty: 'nope', n }), { code: 'INVALID_KEY' })
  t.throws(() => thumbprint({ n }), { code: 'INVALID_KEY' })
})

for (const { alg, privateKey, members } of pairs) {
  t.test(`publicJwk of an ${alg} key`, async t => {
    const publicKey = createPublicKey(privateKey)
    const fromPrivate = publicJwk(privateKey, 'kid-1', alg)
    const fromPublic = publicJwk(publicKey, 'kid-1', alg)
    t.same(fromPrivate, fromPublic, 'private and public key give the same JWK')
    t.same(Object.keys(fromPrivate), members, 'exactly the public members plus kty, kid, alg, use')
    for (const name of PRIVATE_MEMBERS) t.notOk(name in fromPrivate, `no ${name}`)
    t.match(fromPrivate, { kid: 'kid-1', alg, use: 'sig' })

    const expected = await exportJWK(publicKey)
    for (const name of members.filter(m => !['kid', 'alg', 'use'].includes(m))) {
      t.equal(fromPrivate[name], expected[name as keyof JWK], `${name} matches jose's export`)
    }
    t.equal(keyThumbprint(privateKey), await calculateJwkThumbprint(expected), 'keyThumbprint is the RFC 7638 thumbprint')
    t.equal(keyThumbprint(publicKey), thumbprint(fromPublic))
  })
}

t.test('publicJwk refuses a key that does not sign with alg', async t => {
  const [rsa, ec, ed] = pairs.map(p => p.privateKey)
  t.throws(() => publicJwk(rsa, 'k', 'ES256'), TokenmintError)
  t.throws(() => publicJwk(ec, 'k', 'RS256'), { code: 'INTERNAL' })
  t.throws(() => publicJwk(ed, 'k', 'ES256'), { code: 'INTERNAL' })
  t.throws(() => publicJwk(ec, 'k', 'HS256'), { code: 'INTERNAL' })
  t.throws(() => publicJwk(createSecretKey(randomBytes(32)), 'k', 'HS256'), { code: 'INTERNAL' })
  t.throws(() => publicJwk(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey, 'k', 'ES256'), { code: 'INTERNAL' })
})
