// RSA generation in worker threads: the concurrency bound, valid keys, the refused sizes and shutdown.
import { importJWK, importPKCS8, jwtVerify, SignJWT, type JWK } from 'jose'
import t from 'tap'
import type { KeyMaterial } from '../../../src/keys/generate.js'
import { KeygenPool } from '../../../src/keys/keygen-pool.js'

async function signsAndVerifies (material: KeyMaterial): Promise<boolean> {
  const token = await new SignJWT({ sub: 'u-1' }).setProtectedHeader({ alg: material.alg, kid: material.kid }).sign(await importPKCS8(material.secret, material.alg))
  const { payload } = await jwtVerify(token, await importJWK(material.publicJwk as JWK, material.alg))
  return payload.sub === 'u-1'
}

t.test('at most `concurrency` RSA generations run at once; the rest wait their turn', async t => {
  for (const concurrency of [1, 2]) {
    const pool = new KeygenPool(concurrency)
    t.teardown(async () => { await pool.close() })
    const jobs = [pool.generate('RS256'), pool.generate('RS256'), pool.generate('RS256', { modulusLength: 3072 })]
    t.match(pool.stats(), { running: concurrency, queued: 3 - concurrency }, `concurrency ${concurrency}: queued at once`)
    const keys = await Promise.all(jobs)
    t.strictSame(pool.stats(), { running: 0, queued: 0, peak: concurrency, workers: concurrency }, `concurrency ${concurrency}: never more, workers kept`)
    t.equal(new Set(keys.map(key => key.kid)).size, 3, 'three distinct keys')
    for (const key of keys) t.ok(await signsAndVerifies(key), `${key.kid} signs and verifies`)
  }
})

t.test('the other algorithms do not queue behind RSA', async t => {
  const pool = new KeygenPool(1)
  t.teardown(async () => { await pool.close() })
  const rsa = pool.generate('RS256', { modulusLength: 4096 })
  for (const alg of ['ES256', 'EdDSA'] as const) t.ok(await signsAndVerifies(await pool.generate(alg)), alg)
  t.match(await pool.generate('HS256'), { alg: 'HS256', kid: /^hs_/ })
  t.match(pool.stats(), { running: 1, queued: 0 }, 'the 4096-bit pair is still running')
  t.ok(await signsAndVerifies(await rsa), 'RS256 4096')
})

t.test('sizes other than 2048, 3072 and 4096 are refused before queueing', async t => {
  const pool = new KeygenPool(1)
  t.teardown(async () => { await pool.close() })
  for (const modulusLength of [1024, 2047, 8192]) {
    await t.rejects(pool.generate('RS256', { modulusLength } as unknown as { modulusLength: 2048 }),
      { code: 'VALIDATION_FAILED', status: 400, errors: [{ path: '/modulusLength' }] }, String(modulusLength))
  }
  t.match(pool.stats(), { peak: 0, workers: 0 })
})

t.test('close() fails what waits, terminates the workers and refuses new generations', async t => {
  const pool = new KeygenPool(1)
  await pool.generate('RS256')
  t.equal(pool.stats().workers, 1)
  const running = t.rejects(pool.generate('RS256', { modulusLength: 4096 }), { message: /shutting down/ }, 'the running one')
  const waiting = t.rejects(pool.generate('RS256'), { message: /shutting down/ }, 'the queued one')
  await pool.close()
  await Promise.all([running, waiting])
  await t.rejects(pool.generate('RS256'), { message: /shutting down/ })
  t.strictSame(pool.stats(), { running: 0, queued: 0, peak: 1, workers: 0 })
})

t.test('the concurrency is a whole number of at least 1', async t => {
  for (const concurrency of [0, -1, 1.5, Number.NaN]) t.throws(() => new KeygenPool(concurrency), RangeError, String(concurrency))
})
