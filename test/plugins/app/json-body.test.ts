// Bodies are JSON: other content types are a 415 saying what to send, and JSON that does not parse says where it stops.
import t from 'tap'
import { build } from '../../helpers/build.js'
import { adminHeaders, createTenant } from '../../helpers/tenants.js'

const SEND_JSON = 'the request body must be JSON: send content-type: application/json'

t.test('a JSON body sent as text/plain, or with no content-type, is a 415 saying to send application/json', async t => {
  const { app } = await build(t)
  const tenant = await createTenant(app, { id: 'media', profile: 'smooch' })
  const routes = [
    { url: '/v1/admin/tenants', authorization: adminHeaders.authorization, body: JSON.stringify({ id: 'media-2', name: 'M', profile: 'smooch' }) },
    { url: `/v1/tenants/${tenant.id}/tokens`, authorization: `Bearer ${tenant.apiKey}`, body: JSON.stringify({ userId: 'u' }) }
  ]
  for (const route of routes) {
    for (const contentType of ['text/plain', 'text/plain; charset=utf-8', undefined]) {
      const res = await app.inject({
        method: 'POST',
        url: route.url,
        headers: { authorization: route.authorization, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
        payload: Buffer.from(route.body)
      })
      const label = `${route.url} with ${contentType ?? 'no content-type'}`
      t.equal(res.statusCode, 415, label)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.match(res.json(), { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', title: 'Unsupported Media Type', detail: SEND_JSON }, label)
    }
  }
  const created = await app.inject({ method: 'GET', url: '/v1/admin/tenants/media-2', headers: adminHeaders })
  t.equal(created.statusCode, 404, 'the refused body created nothing')
})

t.test('malformed JSON names the line, column and offset where it stops being JSON', async t => {
  const { admin, app } = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/v1/admin/tenants',
    headers: { ...adminHeaders, 'content-type': 'application/json' },
    payload: '{"id": "acme",\n "name": "A" "profile": "smooch"}'
  })
  t.equal(res.statusCode, 400)
  const detail = 'the body is not valid JSON: unexpected \'"\' at line 2, column 14 (offset 28)'
  t.match(res.json(), { code: 'VALIDATION_FAILED', detail, errors: [{ path: '/', message: detail.replace('the body ', '') }] })
  t.equal((await admin('GET', '/v1/admin/tenants/acme')).statusCode, 404)
})

t.test('an empty JSON body and a poisoned one say what is wrong', async t => {
  const { app } = await build(t)
  const post = async (payload: string) => await app.inject({ method: 'POST', url: '/v1/admin/tenants', headers: { ...adminHeaders, 'content-type': 'application/json' }, payload })
  t.match((await post('')).json(), { status: 400, code: 'VALIDATION_FAILED', detail: 'the body is empty, but content-type says application/json: send a JSON body' })
  t.match((await post('{"id":"x","__proto__":{"admin":true}}')).json(), { status: 400, code: 'VALIDATION_FAILED', detail: 'the body is not allowed: it has a "__proto__" or "constructor" key' })
})
