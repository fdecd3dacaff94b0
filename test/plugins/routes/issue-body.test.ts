// The body of POST /tokens: documented per profile from the registry, still validated by the tenant's profile alone.
import t from 'tap'
import { PROFILES } from '../../../src/profiles/index.js'
import { PROFILE_NAMES } from '../../../src/types.js'
import { build } from '../../helpers/build.js'
import { createTenant, issue } from '../../helpers/tenants.js'

t.test('the OpenAPI document gives each profile\'s request schema, description and example', async t => {
  const { app } = await build(t)
  const body = (await app.inject('/docs/json')).json().paths['/v1/tenants/{tenant}/tokens'].post.requestBody.content['application/json']
  t.same(body.schema.oneOf.map((branch: { title: string }) => branch.title), [...PROFILE_NAMES], 'one branch per profile')
  for (const [i, name] of PROFILE_NAMES.entries()) {
    const branch = body.schema.oneOf[i]
    const profile = PROFILES[name]
    const schema = profile.requestSchema as { properties: object, required?: string[] }
    t.same(Object.keys(branch.properties), Object.keys(schema.properties), `${name}: every field of its request schema`)
    t.same(branch.required ?? [], schema.required ?? [], `${name}: the fields it requires`)
    t.match(branch.description, profile.description)
    t.same(branch.example, profile.example.request, `${name}: its example on its branch`)
    t.same(body.examples[name], { summary: profile.title, value: profile.example.request }, `${name}: its example`)
  }
  t.ok(body.schema.oneOf[PROFILE_NAMES.indexOf('chat-widget')].required.includes('external_id'), 'chat-widget requires external_id')
  t.same(body.schema.oneOf[PROFILE_NAMES.indexOf('smooch')].properties.userId, JSON.parse(JSON.stringify(PROFILES.smooch.requestSchema)).properties.userId, 'fields as the profile defines them')
  t.notMatch(JSON.stringify(body.schema), /"propertyNames"|"const"/, 'as OpenAPI 3.0 schema objects')
  t.equal(body.schema['x-examples'], undefined, 'the examples moved to the media type')
})

t.test('the route itself accepts any object: the profile reports what is wrong, as before', async t => {
  const { app } = await build(t)
  const tenant = await createTenant(app, { id: 'body-smooch', profile: 'smooch' })
  const wrongTtl = await issue(app, tenant.id, tenant.apiKey, { userId: 'u', ttl: 'soon' })
  t.equal(wrongTtl.statusCode, 400)
  t.same(wrongTtl.json().errors, [{ path: '/ttl', message: 'must be integer' }], 'the smooch profile\'s error, not a union\'s')
  const khorosShaped = await issue(app, tenant.id, tenant.apiKey, { userId: 'u', givenName: 'Ada' })
  t.equal(khorosShaped.statusCode, 400, 'another profile\'s body is not enough')
  t.same(khorosShaped.json().errors, [{ path: '/givenName', message: 'is not an allowed field' }])
  const notAnObject = await issue(app, tenant.id, tenant.apiKey, ['u'])
  t.equal(notAnObject.statusCode, 400)
})

t.test('every profile\'s example is a body its tenants accept, and the token verifies', async t => {
  const { app } = await build(t)
  for (const name of PROFILE_NAMES) {
    const { example } = PROFILES[name]
    const tenant = await createTenant(app, { id: `example-${name}`, profile: name, ...example.settings })
    const issued = await issue(app, tenant.id, tenant.apiKey, example.request)
    t.equal(issued.statusCode, 201, `${name}: ${issued.body}`)
    const verified = await app.inject({
      method: 'POST',
      url: `/v1/tenants/${tenant.id}/tokens/verify`,
      headers: { authorization: `Bearer ${tenant.apiKey}` },
      payload: { token: issued.json().token }
    })
    t.same(verified.json().reasons, [], `${name}: the example token verifies`)
  }
})
