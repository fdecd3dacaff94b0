// putClaim: every name becomes an own, enumerable data property of the claims, and none reaches a prototype.
import t from 'tap'
import { putClaim, putClaims } from '../../../src/profiles/claim-set.js'

t.test('names that Object.prototype also has become own claims; __proto__ stays data', async t => {
  const claims: Record<string, unknown> = {}
  const names = ['sub', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '__proto__', '0']
  for (const [i, name] of names.entries()) putClaim(claims, name, { n: i })
  t.equal(Object.getPrototypeOf(claims), Object.prototype, 'the prototype is untouched')
  t.notOk('n' in Object.prototype, 'and nothing was written to Object.prototype')
  for (const [i, name] of names.entries()) {
    t.same(Object.getOwnPropertyDescriptor(claims, name), { value: { n: i }, enumerable: true, writable: true, configurable: true }, name)
  }
  const parsed = JSON.parse(JSON.stringify(claims)) as Record<string, unknown>
  t.same(Object.keys(parsed).sort(), [...names].sort(), 'every claim is serialised')

  putClaim(claims, 'sub', 'again')
  t.equal(claims.sub, 'again', 'a later value replaces an earlier one')
  const copied: Record<string, unknown> = {}
  putClaims(copied, JSON.parse('{"__proto__":{"admin":true},"a":1}'))
  t.same(Object.keys(copied), ['__proto__', 'a'])
  t.equal((copied as { admin?: boolean }).admin, undefined, 'a copied __proto__ is not a prototype')
})
