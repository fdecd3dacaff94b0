// Tests token signing for every algorithm; every token is checked with jose, never with our own code.
import t from 'tap'
import { CompactSign, importJWK, importPKCS8, jwtVerify, type JWK } from 'jose'
import { generateKey, type KeyMaterial } from '../../../src/keys/generate.js'
import { importSecret } from '../../../src/keys/import.js'
import { createTokenSigner } from '../../../src/tokens/signer.js'
import { ALGS, type Alg, type JsonObject } from '../../../src/types.js'

const NOW = Math.floor(Date.now() / 1000)
/** Claims in no particular order, with unicode and nesting: the token must carry exactly these, in this order. */
const PAYLOAD: JsonObject = { userId: 'user-1', scope: 'appUser', exp: NOW + 600, givenName: 'Zoë ✓ "quoted"', iat: NOW, nbf: 0, roles: ['a', 'b'], meta: { n: 1.5, ok: true, none: null } }

/** Deterministic signatures: jose must produce the very same token from the same key, header and payload. */
const DETERMINISTIC = new Set<Alg>(['HS256', 'RS256', 'EdDSA'])

const segments = (token: string): { header: string, payload: string, signature: string } => {
  const [header, payload, signature, ...rest] = token.split('.')
  if (rest.length > 0) throw new Error('not a compact JWS')
  return {
    header: Buffer.from(header, 'base64url').toString('utf8'),
    payload: Buffer.from(payload, 'base64url').toString('utf8'),
    signature
  }
}

async function verificationKey (material: KeyMaterial): Promise<Uint8Array | CryptoKey> {
  if (material.alg === 'HS256') return new TextEncoder().encode(material.secret)
  return await importJWK(material.publicJwk as JWK, material.alg) as CryptoKey
}

async function signingKey (material: KeyMaterial): Promise<Uint8Array | CryptoKey> {
  if (material.alg === 'HS256') return new TextEncoder().encode(material.secret)
  return await importPKCS8(material.secret, material.alg)
}

async function joseToken (material: KeyMaterial, header: JsonObject, payload: JsonObject): Promise<string> {
  return await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(await signingKey(material))
}

const materials: KeyMaterial[] = [
  importSecret({ kid: 'smooch-app-key', secret: 'sëcret pasted from a dashboard ✓ 0123456789' }),
  await generateKey('HS256'),
  await generateKey('RS256'),
  await generateKey('ES256'),
  await generateKey('EdDSA')
]
const labels = ['HS256 imported (non-ASCII secret)', 'HS256 generated', 'RS256', 'ES256', 'EdDSA']

for (const [index, material] of materials.entries()) {
  const { alg, kid } = material
  const label = labels[index]
  t.test(`${label}: header { alg, typ, kid }, payload as given, verified by jose`, async t => {
    const signer = createTokenSigner(material)
    t.equal(signer.alg, alg)
    t.equal(signer.kid, kid)

    const token = await signer.sign(PAYLOAD)
    const parts = segments(token)
    t.equal(parts.header, JSON.stringify({ alg, typ: 'JWT', kid }), 'exactly alg, typ, kid in that order')
    t.equal(parts.payload, JSON.stringify(PAYLOAD), 'the payload unchanged: nothing added, removed or reordered')

    const verified = await jwtVerify(token, await verificationKey(material), { algorithms: [alg] })
    t.same(verified.protectedHeader, { alg, typ: 'JWT', kid })
    t.same(verified.payload, PAYLOAD)

    if (alg === 'ES256') t.equal(Buffer.from(parts.signature, 'base64url').length, 64, 'ES256 signature is raw r | s')
    if (DETERMINISTIC.has(alg)) {
      t.equal(token, await joseToken(material, { alg, typ: 'JWT', kid }, PAYLOAD), 'the same token jose signs')
    }
  })

  t.test(`${label}: extra header fields follow alg, typ, kid`, async t => {
    const signer = createTokenSigner(material)
    const extra: JsonObject = { cty: 'chat', x: 1 }
    const token = await signer.sign(PAYLOAD, extra)
    const expectedHeader = { alg, typ: 'JWT', kid, cty: 'chat', x: 1 }
    t.equal(segments(token).header, JSON.stringify(expectedHeader))
    const verified = await jwtVerify(token, await verificationKey(material), { algorithms: [alg] })
    t.same(verified.protectedHeader, expectedHeader)
    t.same(verified.payload, PAYLOAD)
    if (DETERMINISTIC.has(alg)) t.equal(token, await joseToken(material, expectedHeader, PAYLOAD))

    extra.x = 2
    t.equal(segments(await signer.sign(PAYLOAD, extra)).header, JSON.stringify({ ...expectedHeader, x: 2 }), 'a mutated header object is honoured')
    t.equal(segments(await signer.sign(PAYLOAD, {})).header, JSON.stringify({ alg, typ: 'JWT', kid }), 'no extra fields')
    t.equal(segments(await signer.sign(PAYLOAD)).header, JSON.stringify({ alg, typ: 'JWT', kid }), 'no header after extra fields')

    for (const reserved of ['alg', 'typ', 'kid']) {
      await t.rejects(signer.sign(PAYLOAD, { [reserved]: 'none' }), { code: 'INTERNAL' }, `extra ${reserved} refused`)
    }
  })
}

t.test('concurrent asymmetric signatures all verify', async t => {
  for (const material of materials.filter(m => m.alg !== 'HS256')) {
    const signer = createTokenSigner(material)
    const key = await verificationKey(material)
    const payloads = Array.from({ length: 40 }, (_, i) => ({ sub: `user-${i}`, iat: NOW, exp: NOW + 60 + i }))
    const tokens = await Promise.all(payloads.map(async p => await signer.sign(p)))
    const verified = await Promise.all(tokens.map(async token => await jwtVerify(token, key, { algorithms: [material.alg] })))
    t.same(verified.map(v => v.payload), payloads, `${material.alg}: each token carries its own payload`)
  }
})

t.test('a token signed with one key does not verify with another', async t => {
  const [, hs, rs, es, ed] = materials
  const other = await Promise.all([generateKey('HS256'), generateKey('RS256'), generateKey('ES256'), generateKey('EdDSA')])
  for (const [index, material] of [hs, rs, es, ed].entries()) {
    const token = await createTokenSigner(material).sign(PAYLOAD)
    await t.rejects(jwtVerify(token, await verificationKey(other[index]), { algorithms: [material.alg] }), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }, material.alg)
  }
})

t.test('refuses bad material and bad payloads', async t => {
  const [hs, , rs, es, ed] = materials
  t.throws(() => createTokenSigner({ alg: 'none' as Alg, kid: 'k', secret: hs.secret }), { code: 'INTERNAL' })
  t.throws(() => createTokenSigner({ alg: 'HS512' as Alg, kid: 'k', secret: hs.secret }), { code: 'INTERNAL' })
  t.throws(() => createTokenSigner({ alg: 'HS256', kid: '', secret: hs.secret }), { code: 'INTERNAL' })
  t.throws(() => createTokenSigner({ alg: 'HS256', kid: 'k', secret: '' }), { code: 'INTERNAL' })
  t.throws(() => createTokenSigner({ alg: 'ES256', kid: 'k', secret: rs.secret }), { code: 'INTERNAL' }, 'RSA key as ES256')
  t.throws(() => createTokenSigner({ alg: 'RS256', kid: 'k', secret: ed.secret }), { code: 'INTERNAL' }, 'Ed25519 key as RS256')
  t.throws(() => createTokenSigner({ alg: 'EdDSA', kid: 'k', secret: es.secret }), { code: 'INTERNAL' }, 'EC key as EdDSA')
  t.throws(() => createTokenSigner({ alg: 'RS256', kid: 'k', secret: 'not a pem' }), { code: 'INTERNAL' })
  try {
    createTokenSigner({ alg: 'ES256', kid: 'k', secret: rs.secret })
  } catch (err) {
    t.notOk((err as Error).message.includes(rs.secret.slice(40, 80)), 'the error does not echo the key')
  }

  for (const alg of ALGS) {
    const signer = createTokenSigner(materials.find(m => m.alg === alg) as KeyMaterial)
    for (const payload of [null, [1, 2], 'text', 42]) {
      await t.rejects(signer.sign(payload as unknown as JsonObject), { code: 'INTERNAL' }, `${alg} payload ${JSON.stringify(payload)}`)
    }
  }
})
