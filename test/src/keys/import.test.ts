// Tests the import of HS256 secrets and PEM private keys, and the refusal of everything else.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose'
import { HS256_SECRET_MIN_BYTES, importedSecretWarnings, importPrivateKeyPem, importSecret } from '../../../src/keys/import.js'
import { TokenmintError } from '../../../src/errors.js'

const PKCS8_PEM = /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/

/** A self-signed P-256 certificate: a PEM that is not a private key. */
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBiDCCAS2gAwIBAgIUMXMWpMhudqANKhRCJluq4sEZaZswCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOdG9rZW5taW50IHRlc3QwHhcNMjYxMTIxMDczNjM2WhcNMzYx
MTE4MDczNjM2WjAZMRcwFQYDVQQDDA50b2tlbm1pbnQgdGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABKW6G8XsYrKGiiHplm4Do7+5GHB+IExKEePkqIuu9dOY
FbbUvwFJ/WCxadkVVzt2KoLE6FVeRuOEU36li4TwDEOjUzBRMB0GA1UdDgQWBBRO
nytuYOg/ro0LOLa/U9qfT2VELjAfBgNVHSMEGDAWgBROnytuYOg/ro0LOLa/U9qf
T2VELjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQD6jn0EIpfd
46mbfkjKRLlrCEYdapULOnF4lOzqciVNagIhAMvPoQ4LGrbknR4atGW7WK2Ks3/s
2NGkCMSLz5/uW4tL
-----END CERTIFICATE-----
`

/** An 8200-bit RSA key (test only): just above the largest size accepted. Generating one takes too long for a test. */
const RSA_8200_PEM = readFileSync(new URL('./fixtures/rsa-8200-test-only.pem', import.meta.url), 'utf8')

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
const ed = generateKeyPairSync('ed25519').privateKey

const pem = (key: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1'): string => key.export({ type, format: 'pem' }) as string

/** Asserts `fn` throws a VALIDATION_FAILED naming `path`, whose message shows nothing of `secretText`. */
function refuses (t: Test, fn: () => unknown, path: string, secretText: string, label: string): void {
  try {
    fn()
    t.fail(`${label}: expected a refusal`)
  } catch (err) {
    t.type(err, TokenmintError, label)
    t.match(err, { code: 'VALIDATION_FAILED', errors: [{ path }] }, label)
    const text = JSON.stringify({ message: (err as Error).message, errors: (err as TokenmintError).errors })
    const body = secretText.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')
    for (let i = 0; i + 16 <= body.length; i += 16) {
      if (text.includes(body.slice(i, i + 16))) {
        t.fail(`${label}: the error echoes the input`)
        return
      }
    }
  }
}

t.test('importSecret keeps an HS256 secret exactly as given', async t => {
  const secret = ' pasted from a dashboard: ünïcode & spaces '
  t.same(importSecret({ kid: 'app_5f3c:v1.2-x', secret }), { alg: 'HS256', kid: 'app_5f3c:v1.2-x', secret })
  t.equal(importSecret({ kid: 'k', secret: 'x'.repeat(16) }).secret.length, 16, 'shortest accepted')
  t.equal(importSecret({ kid: 'k'.repeat(128), secret: 'x'.repeat(512) }).secret.length, 512, 'longest accepted')
})

t.test('an imported HS256 secret under 32 bytes (RFC 7518) draws a warning, not a refusal', async t => {
  t.equal(HS256_SECRET_MIN_BYTES, 32)
  t.match(importedSecretWarnings('x'.repeat(16)), [/16 bytes, under the 32/], 'the shortest accepted')
  t.match(importedSecretWarnings('x'.repeat(31)), [/31 bytes/])
  t.strictSame(importedSecretWarnings('x'.repeat(32)), [], '32 bytes are enough')
  t.strictSame(importedSecretWarnings('é'.repeat(16)), [], 'bytes are counted, not characters: 16 × 2 bytes')
  t.notMatch(importedSecretWarnings('a-short-secret-xyz').join(), 'a-short-secret-xyz', 'the secret is never echoed')
})

t.test('importSecret refuses a bad kid or secret', async t => {
  const secret = 'a-perfectly-fine-secret'
  for (const kid of ['', 'has space', 'slash/', 'é', 'k'.repeat(129), 5]) {
    refuses(t, () => importSecret({ kid: kid as string, secret }), 'kid', secret, `kid ${JSON.stringify(kid)}`)
  }
  for (const bad of ['', 'x'.repeat(15), 'x'.repeat(513), 1234567890123456, null, undefined]) {
    refuses(t, () => importSecret({ kid: 'k', secret: bad as string }), 'secret', String(bad), `secret ${String(bad).slice(0, 20)}`)
  }
})

t.test('importSecret refuses a placeholder in angle brackets, saying to paste the real secret', async t => {
  for (const placeholder of ['<secret from the Smooch dashboard>', ' <App Key Secret>\n', '<shared-secret-from-the-widget>']) {
    t.throws(() => importSecret({ kid: 'k', secret: placeholder }), {
      code: 'VALIDATION_FAILED',
      message: '/secret is a placeholder ("<...>"): paste the secret the platform\'s dashboard shows'
    }, JSON.stringify(placeholder))
  }
  t.equal(importSecret({ kid: 'k', secret: 'a<b>c-0123456789abcdef' }).secret, 'a<b>c-0123456789abcdef', 'brackets inside a secret are kept')
})

const accepted: Array<{ label: string, key: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1', alg: string }> = [
  { label: 'RSA PKCS#8', key: rsa, type: 'pkcs8', alg: 'RS256' },
  { label: 'RSA PKCS#1', key: rsa, type: 'pkcs1', alg: 'RS256' },
  { label: 'EC P-256 PKCS#8', key: ec, type: 'pkcs8', alg: 'ES256' },
  { label: 'EC P-256 SEC1', key: ec, type: 'sec1', alg: 'ES256' },
  { label: 'Ed25519 PKCS#8', key: ed, type: 'pkcs8', alg: 'EdDSA' }
]

for (const { label, key, type, alg } of accepted) {
  t.test(`importPrivateKeyPem: ${label} signs ${alg}`, async t => {
    const input = pem(key, type)
    const material = importPrivateKeyPem({ privateKeyPem: input })
    const expectedJwk = await exportJWK(createPublicKey(key))
    t.equal(material.alg, alg)
    t.equal(material.kid, await calculateJwkThumbprint(expectedJwk), 'kid defaults to the RFC 7638 thumbprint')
    t.match(material.secret, PKCS8_PEM, 'stored as PKCS#8')
    t.equal(material.secret, pem(key, 'pkcs8'), 'the same key')
    t.same(material.publicJwk, { ...expectedJwk, kid: material.kid, alg, use: 'sig' })

    const named = importPrivateKeyPem({ privateKeyPem: input, alg, kid: 'my-key.2024:1' })
    t.equal(named.kid, 'my-key.2024:1')
    t.equal((named.publicJwk as JWK).kid, 'my-key.2024:1')
    t.equal(named.alg, alg)
  })
}

t.test('importPrivateKeyPem accepts RSA 4096 and refuses RSA above 8192 bits', async t => {
  const big = generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey
  t.equal(importPrivateKeyPem({ privateKeyPem: pem(big, 'pkcs1') }).alg, 'RS256')
  t.equal(createPrivateKey(RSA_8200_PEM).asymmetricKeyDetails?.modulusLength, 8200, 'the fixture is the size it claims')
  refuses(t, () => importPrivateKeyPem({ privateKeyPem: RSA_8200_PEM }), 'privateKeyPem', RSA_8200_PEM, 'RSA 8200')
})

t.test('importPrivateKeyPem refuses keys of other types, curves and sizes', async t => {
  const refused: Array<[string, string]> = [
    ['RSA 1024', pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'pkcs8')],
    ['RSA 2047', pem(generateKeyPairSync('rsa', { modulusLength: 2047 }).privateKey, 'pkcs1')],
    ['EC P-384', pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'sec1')],
    ['EC secp256k1', pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, 'pkcs8')],
    ['Ed448', pem(generateKeyPairSync('ed448').privateKey, 'pkcs8')],
    ['X25519', pem(generateKeyPairSync('x25519').privateKey, 'pkcs8')],
    ['RSA-PSS', pem(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey, 'pkcs8')]
  ]
  for (const [label, input] of refused) refuses(t, () => importPrivateKeyPem({ privateKeyPem: input }), 'privateKeyPem', input, label)
})

t.test('importPrivateKeyPem refuses what is not a readable private key', async t => {
  const encrypted = ec.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }) as string
  const inputs: Array<[string, unknown]> = [
    ['a public key', createPublicKey(rsa).export({ type: 'spki', format: 'pem' })],
    ['a certificate', CERTIFICATE],
    ['an encrypted key', encrypted],
    ['a truncated key', pem(rsa, 'pkcs8').slice(0, 400) + '\n-----END PRIVATE KEY-----\n'],
    ['a corrupted key', pem(ec, 'pkcs8').replace(/[A-Za-z]/, c => c === 'A' ? 'B' : 'A').replace('M', '!')],
    ['no PEM at all', 'just some text that is long enough'],
    ['an empty string', ''],
    ['a number', 42],
    ['DER bytes as text', rsa.export({ type: 'pkcs8', format: 'der' }).toString('latin1')],
    ['a huge input', `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(20_000)}\n-----END PRIVATE KEY-----\n`]
  ]
  for (const [label, input] of inputs) {
    refuses(t, () => importPrivateKeyPem({ privateKeyPem: input as string }), 'privateKeyPem', String(input), label)
  }
})

t.test('importPrivateKeyPem refuses an alg that is not the key\'s', async t => {
  const cases: Array<[KeyObject, string]> = [
    [rsa, 'ES256'], [rsa, 'EdDSA'], [ec, 'RS256'], [ec, 'EdDSA'], [ed, 'ES256'], [ed, 'RS256'],
    [rsa, 'HS256'], [ec, 'none'], [ed, 'PS256'], [rsa, 'rs256'], [ec, '']
  ]
  for (const [key, alg] of cases) {
    const input = pem(key, 'pkcs8')
    refuses(t, () => importPrivateKeyPem({ privateKeyPem: input, alg }), 'alg', input, `${key.asymmetricKeyType} as ${alg}`)
  }
})

t.test('importPrivateKeyPem refuses a bad kid', async t => {
  const input = pem(ed, 'pkcs8')
  for (const kid of ['', 'a b', 'k'.repeat(129), '../x']) {
    refuses(t, () => importPrivateKeyPem({ privateKeyPem: input, kid }), 'kid', input, `kid ${JSON.stringify(kid)}`)
  }
})
