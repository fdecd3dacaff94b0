// API keys: parsing, the stored digest and the constant-time comparison that checks a presented secret against it.
import t from 'tap'
import { constantTimeEqual, createApiKey, parseApiKey, safeEqual, secretMatchesDigest, storedDigest } from '../../src/api-keys.js'

t.test('constantTimeEqual says equal only for the same characters', async t => {
  t.equal(constantTimeEqual('', ''), true)
  t.equal(constantTimeEqual('abc', 'abc'), true)
  t.equal(constantTimeEqual('abc', 'abd'), false, 'the last character differs')
  t.equal(constantTimeEqual('abc', 'xbc'), false, 'the first character differs')
  t.equal(constantTimeEqual('abc', 'abcd'), false, 'a longer string')
  t.equal(constantTimeEqual('abcd', 'abc'), false, 'a shorter string')
  t.equal(constantTimeEqual('é', 'e'), false, 'characters beyond ASCII')
  t.equal(constantTimeEqual('\u0100', '\u0000'), false, 'characters equal in their low byte')
})

t.test('a created key\'s secret matches its stored digest, and nothing else does', async t => {
  const { record, apiKey } = createApiKey('acme', 'backend', 0)
  const parsed = parseApiKey(apiKey)
  if (parsed === undefined) throw new Error('the created key does not parse')
  t.equal(parsed.tenant, 'acme')
  t.equal(parsed.id, record.id)
  t.match(record.hash, /^[0-9a-f]{64}$/, 'the record keeps a SHA-256 in hex')
  const digest = storedDigest(record)
  t.match(digest, /^[A-Za-z0-9_-]{43}$/, 'the digest is the same hash in base64url')
  t.equal(Buffer.from(digest, 'base64url').toString('hex'), record.hash)
  t.equal(secretMatchesDigest(digest, parsed.secret), true)
  const flipped = parsed.secret.slice(0, -1) + (parsed.secret.endsWith('A') ? 'B' : 'A')
  t.equal(secretMatchesDigest(digest, flipped), false)
  t.equal(secretMatchesDigest(digest, ''), false)
  t.equal(secretMatchesDigest(digest, digest), false, 'the digest itself is not the secret')
})

t.test('safeEqual compares strings of any length', async t => {
  t.equal(safeEqual('admin-token', 'admin-token'), true)
  t.equal(safeEqual('admin-token', 'admin-tokem'), false)
  t.equal(safeEqual('admin-token', 'admin-token-longer'), false)
  t.equal(safeEqual('', ''), true)
  t.equal(safeEqual('', 'x'), false)
})
