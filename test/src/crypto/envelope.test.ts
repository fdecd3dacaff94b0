// Tests envelope encryption: round trips, binding to tenant and kid, tampering, and master key rotation.
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { createSealer, type SealAad } from '../../../src/crypto/envelope.js'
import { masterKeyFrom, type MasterKey } from '../../../src/config.js'
import { TokenmintError } from '../../../src/errors.js'
import type { SealedBlob } from '../../../src/types.js'

const newMasterKey = (): MasterKey => masterKeyFrom('MASTER_KEY', randomBytes(32).toString('base64'))
const oldKey = newMasterKey()
const currentKey = newMasterKey()
const aad: SealAad = { tenant: 'acme', kid: 'k1' }
const SECRET = 'hs-secret-0123456789-ABCDEFGHIJ-ünïcode-✓'

/** Asserts that opening fails with INTERNAL and a message that shows neither the material nor a key. */
function failsToOpen (t: Test, open: () => string, label: string): void {
  try {
    const opened = open()
    t.fail(`${label}: opened to ${opened.length} characters`)
  } catch (err) {
    t.type(err, TokenmintError, label)
    t.match(err, { code: 'INTERNAL', status: 500 }, label)
    const message = (err as Error).message
    t.notOk(message.includes(SECRET) || message.includes(SECRET.slice(0, 12)), `${label}: no material in the message`)
    for (const key of [oldKey, currentKey]) {
      t.notOk(message.includes(key.key.toString('base64')) || message.includes(key.key.toString('hex')), `${label}: no key in the message`)
    }
    t.equal((err as Error).cause, undefined, `${label}: no cause carried along`)
  }
}

t.test('seals and opens', async t => {
  const sealer = createSealer(currentKey)
  const pem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(1200).toString('base64')}\n-----END PRIVATE KEY-----\n`
  for (const plaintext of [SECRET, pem, '', 'x']) {
    const blob = sealer.seal(plaintext, aad)
    t.equal(blob.mk, currentKey.id)
    t.same(Object.keys(blob).sort(), ['ct', 'dk', 'mk'])
    t.match(blob.dk, /^[A-Za-z0-9_-]+$/)
    t.match(blob.ct, /^[A-Za-z0-9_-]+$/)
    t.equal(Buffer.from(blob.dk, 'base64url').length, 12 + 32 + 16, 'dk is iv | wrapped 32-byte key | tag')
    t.equal(Buffer.from(blob.ct, 'base64url').length, 12 + Buffer.byteLength(plaintext) + 16, 'ct is iv | ciphertext | tag')
    t.equal(sealer.open(blob, aad), plaintext)
    t.equal(sealer.open(JSON.parse(JSON.stringify(blob)) as SealedBlob, { ...aad }), plaintext, 'opens after a JSON round trip')
  }
})

t.test('every record gets a fresh data key and fresh IVs', async t => {
  const sealer = createSealer(currentKey)
  const a = sealer.seal(SECRET, aad)
  const b = sealer.seal(SECRET, aad)
  t.not(a.dk, b.dk)
  t.not(a.ct, b.ct)
  t.not(a.dk.slice(0, 16), b.dk.slice(0, 16), 'wrap IVs differ')
  t.not(a.ct.slice(0, 16), b.ct.slice(0, 16), 'data IVs differ')
})

t.test('a blob moved to another tenant or kid does not open', async t => {
  const sealer = createSealer(currentKey)
  const blob = sealer.seal(SECRET, aad)
  failsToOpen(t, () => sealer.open(blob, { tenant: 'other', kid: 'k1' }), 'other tenant')
  failsToOpen(t, () => sealer.open(blob, { tenant: 'acme', kid: 'k2' }), 'other kid')
  failsToOpen(t, () => sealer.open(blob, { tenant: 'k1', kid: 'acme' }), 'tenant and kid swapped')
  failsToOpen(t, () => sealer.open(blob, { tenant: 'acme:k1', kid: '' }), 'same characters, other split')
  t.equal(sealer.open(blob, aad), SECRET, 'still opens where it belongs')
})

t.test('altered records do not open', async t => {
  const sealer = createSealer(currentKey)
  const blob = sealer.seal(SECRET, aad)
  const other = sealer.seal(SECRET, aad)
  const flip = (text: string, at: number): string => {
    const bytes = Buffer.from(text, 'base64url')
    bytes[at] ^= 1
    return bytes.toString('base64url')
  }
  const dkLength = Buffer.from(blob.dk, 'base64url').length
  const ctLength = Buffer.from(blob.ct, 'base64url').length
  const altered: Array<[string, SealedBlob]> = [
    ['dk iv', { ...blob, dk: flip(blob.dk, 0) }],
    ['dk body', { ...blob, dk: flip(blob.dk, 20) }],
    ['dk tag', { ...blob, dk: flip(blob.dk, dkLength - 1) }],
    ['ct iv', { ...blob, ct: flip(blob.ct, 0) }],
    ['ct body', { ...blob, ct: flip(blob.ct, 14) }],
    ['ct tag', { ...blob, ct: flip(blob.ct, ctLength - 1) }],
    ['dk of another record', { ...blob, dk: other.dk }],
    ['ct of another record', { ...blob, ct: other.ct }],
    ['dk truncated', { ...blob, dk: blob.dk.slice(0, -4) }],
    ['ct truncated', { ...blob, ct: blob.ct.slice(0, 20) }],
    ['ct tag cut short', { ...blob, ct: Buffer.from(blob.ct, 'base64url').subarray(0, ctLength - 4).toString('base64url') }],
    ['empty dk', { ...blob, dk: '' }],
    ['empty ct', { ...blob, ct: '' }],
    ['not base64', { ...blob, ct: '%%%%' }],
    ['dk missing', { mk: blob.mk, ct: blob.ct } as SealedBlob],
    ['ct not a string', { ...blob, ct: 42 } as unknown as SealedBlob]
  ]
  for (const [label, tampered] of altered) failsToOpen(t, () => sealer.open(tampered, aad), label)
})

t.test('master key rotation: old records open with the previous key, new ones use the current key', async t => {
  const before = createSealer(oldKey)
  const sealedBefore = before.seal(SECRET, aad)
  t.equal(sealedBefore.mk, oldKey.id)

  const after = createSealer(currentKey, [oldKey])
  t.equal(after.open(sealedBefore, aad), SECRET)
  const sealedAfter = after.seal(SECRET, aad)
  t.equal(sealedAfter.mk, currentKey.id)
  t.equal(after.open(sealedAfter, aad), SECRET)

  failsToOpen(t, () => createSealer(currentKey).open(sealedBefore, aad), 'previous key no longer configured')
  failsToOpen(t, () => before.open(sealedAfter, aad), 'sealed with a key this sealer never had')
  failsToOpen(t, () => after.open({ ...sealedBefore, mk: currentKey.id }, aad), 'blob relabelled to the current key')
  failsToOpen(t, () => after.open({ ...sealedAfter, mk: oldKey.id }, aad), 'blob relabelled to the previous key')
  failsToOpen(t, () => after.open({ ...sealedAfter, mk: 'unknown' }, aad), 'unknown master key id')

  const sameKeyOtherId: MasterKey = { id: 'renamed', key: currentKey.key }
  failsToOpen(t, () => createSealer(sameKeyOtherId).open({ ...sealedAfter, mk: 'renamed' }, aad), 'the wrap is bound to the master key id')
})

t.test('refuses a master key that is not 32 bytes', async t => {
  t.throws(() => createSealer({ id: 'short', key: randomBytes(16) }), { code: 'INTERNAL' })
  t.throws(() => createSealer(currentKey, [{ id: 'long', key: randomBytes(64) }]), { code: 'INTERNAL' })
})
