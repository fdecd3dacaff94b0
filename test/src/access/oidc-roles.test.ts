// OPERATOR_OIDC_ROLES: claim values to roles, and the principal a signed-in user becomes.
import t from 'tap'
import { oidcPrincipal, parseRoleMappings } from '../../../src/access/oidc-roles.js'
import { loadConfig } from '../../../src/config.js'

const MAPPINGS = parseRoleMappings('tm-admins=admin,tm-ops=operator,acme-team=tenant-admin:acme|acme-eu,beta-team=tenant-admin:beta,readers=auditor')

t.test('the mapping is parsed as the specification writes it', async t => {
  t.same(MAPPINGS, [
    { value: 'tm-admins', role: 'admin', tenants: null },
    { value: 'tm-ops', role: 'operator', tenants: null },
    { value: 'acme-team', role: 'tenant-admin', tenants: ['acme', 'acme-eu'] },
    { value: 'beta-team', role: 'tenant-admin', tenants: ['beta'] },
    { value: 'readers', role: 'auditor', tenants: null }
  ])
  t.throws(() => parseRoleMappings('tm-admins'), /not value=role/)
  t.throws(() => parseRoleMappings('x=owner'), /the role must be/)
  t.throws(() => parseRoleMappings('x=tenant-admin:'), /tenant ids/)
  t.throws(() => parseRoleMappings('x=tenant-admin:Bad_Id'), /tenant ids/)
})

t.test('a user gets the strongest mapped role; tenant-admin tenants add up; no mapped value is no principal', async t => {
  t.same(oidcPrincipal({ sub: 'u1', email: 'a@example.com', groups: ['staff', 'readers', 'tm-ops'] }, 'groups', MAPPINGS),
    { id: 'oidc:u1', name: 'a@example.com', role: 'operator', tenants: null })
  t.same(oidcPrincipal({ sub: 'u2', name: 'Bea', groups: ['beta-team', 'acme-team'] }, 'groups', MAPPINGS),
    { id: 'oidc:u2', name: 'Bea', role: 'tenant-admin', tenants: ['acme', 'acme-eu', 'beta'] })
  t.same(oidcPrincipal({ sub: 'u3', roles: 'readers' }, 'roles', MAPPINGS), { id: 'oidc:u3', name: 'u3', role: 'auditor', tenants: null }, 'a single string value, another claim')
  t.equal(oidcPrincipal({ sub: 'u4', groups: ['staff'] }, 'groups', MAPPINGS), undefined)
  t.equal(oidcPrincipal({ sub: 'u5' }, 'groups', MAPPINGS), undefined)
  t.equal(oidcPrincipal({ groups: ['tm-admins'] }, 'groups', MAPPINGS), undefined, 'no sub, no principal')
  t.equal(oidcPrincipal({ sub: 'a\nb', groups: ['tm-admins'] }, 'groups', MAPPINGS)?.id, 'oidc:ab', 'no control character reaches the audit log')
})

t.test('OPERATOR_OIDC_* is all or nothing, names the variable, and takes http only on loopback', async t => {
  const base = { ADMIN_TOKEN: 'x'.repeat(32) }
  const full = { ...base, OPERATOR_OIDC_ISSUER: 'https://id.example.com/realms/ops', OPERATOR_OIDC_CLIENT_ID: 'tokenmint', OPERATOR_OIDC_CLIENT_SECRET: 's', OPERATOR_OIDC_ROLES: 'tm-admins=admin' }
  t.equal(loadConfig(base).operatorOidc, undefined)
  t.match(loadConfig(full).operatorOidc, { issuer: full.OPERATOR_OIDC_ISSUER, claim: 'groups', roles: [{ value: 'tm-admins', role: 'admin' }] })
  t.equal(loadConfig({ ...full, OPERATOR_OIDC_CLAIM: 'roles' }).operatorOidc?.claim, 'roles')
  t.throws(() => loadConfig({ ...full, OPERATOR_OIDC_CLIENT_SECRET: '' }), { message: /OPERATOR_OIDC_CLIENT_SECRET/ })
  t.throws(() => loadConfig({ ...full, OPERATOR_OIDC_ROLES: '' }), { message: /OPERATOR_OIDC_ROLES/ })
  t.throws(() => loadConfig({ ...full, OPERATOR_OIDC_ROLES: 'x=root' }), { message: /OPERATOR_OIDC_ROLES/ })
  t.throws(() => loadConfig({ ...full, OPERATOR_OIDC_ISSUER: 'http://id.example.com' }), { message: /OPERATOR_OIDC_ISSUER/ })
  t.ok(loadConfig({ ...full, OPERATOR_OIDC_ISSUER: 'http://127.0.0.1:8080' }).operatorOidc)
})
