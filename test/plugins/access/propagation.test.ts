// Two instances on one Redis: a credential deleted through one is refused by the other within 1 s, through the change channel.
import t from 'tap'
import { twoInstances } from '../../helpers/build.js'
import { createCredential, requestAs } from '../../helpers/access.js'
import { nextChange } from '../../helpers/key-lifecycle.js'

const SECOND = 1000

t.test('a deleted credential is refused on every instance within 1 s', async t => {
  const { a, b } = await twoInstances(t)
  const made = await createCredential(a.app, 'operator')
  t.equal((await requestAs(b.app, made.token, 'GET', '/v1/admin/whoami')).statusCode, 200, 'B knows it (and caches it)')
  t.equal((await requestAs(b.app, made.token, 'GET', '/v1/admin/tenants')).statusCode, 200, 'and uses it again from its cache')

  // The notice of tenant '' is what B waits for, bounded to the 1 s the contract allows.
  const heard = nextChange(b.app, '', SECOND)
  t.equal((await a.admin('DELETE', `/v1/admin/credentials/${made.id}`)).statusCode, 204)
  await heard
  const refused = await requestAs(b.app, made.token, 'GET', '/v1/admin/tenants')
  t.equal(refused.statusCode, 401, 'B refuses it')
  t.equal(refused.json().code, 'UNAUTHORIZED')
})

t.test('a credential created on one instance works on the other at once, its last use seen by both', async t => {
  const { a, b } = await twoInstances(t)
  const made = await createCredential(a.app, 'auditor')
  t.same((await requestAs(b.app, made.token, 'GET', '/v1/admin/whoami')).json(), { id: made.id, name: 'auditor credential', role: 'auditor', tenants: null })
  // The last use is written after the answer: read until it shows (each read is a store round trip, no sleep).
  let lastUsedAt: string | null = null
  for (let i = 0; i < 100 && lastUsedAt === null; i++) lastUsedAt = (await a.admin('GET', '/v1/admin/credentials')).json().items[0].lastUsedAt
  t.type(lastUsedAt, 'string', 'A lists the use B made')
})
