// The profile registry: every profile under its own name, and the names types.ts re-exports from it.
// types.ts is imported first, on purpose: were the registry or a profile to import a value from it, this file would fail to load.
import { PROFILE_NAMES } from '../../../src/types.js'
import t from 'tap'
import { getProfile, isProfileName, PROFILES } from '../../../src/profiles/index.js'

t.test('the registry holds every profile under its own name', async t => {
  t.ok(PROFILE_NAMES.length > 0 && Object.isFrozen(PROFILE_NAMES))
  t.strictSame(Object.keys(PROFILES), [...PROFILE_NAMES], 'in registry order')
  t.equal(new Set(PROFILE_NAMES).size, PROFILE_NAMES.length, 'no name twice')
  for (const name of PROFILE_NAMES) {
    t.equal(getProfile(name).name, name)
    t.ok(isProfileName(name))
  }
})

t.test('names that are not profiles, prototype members included, are refused', async t => {
  for (const name of ['zendesk', 'constructor', '__proto__', 'toString', '', 7]) t.notOk(isProfileName(name), String(name))
  t.throws(() => getProfile('zendesk'), { code: 'VALIDATION_FAILED', errors: [{ path: '/profile', message: `must be one of ${PROFILE_NAMES.join(', ')}` }] })
})
