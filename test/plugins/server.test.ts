// The entry point: embedded dev mode, the one-line config failure, and a clean exit on SIGTERM.
import t from 'tap'
import { spawnServer, startServer } from '../helpers/process.js'

t.test('bad configuration exits 1 with one line naming the variable, no stack, no value', async t => {
  const value = 'dG9vLXNob3J0LWtleQ=='
  const { out, exited } = spawnServer(t, { MASTER_KEY: value })
  t.equal(await exited, 1)
  const lines = out.stderr.trim().split('\n')
  t.equal(lines.length, 1, 'one line')
  t.match(lines[0], /MASTER_KEY/)
  t.notMatch(out.stderr, value)
  t.notMatch(out.stderr, /\bat .+:\d+:\d+/, 'no stack trace')
})

t.test('a missing MASTER_KEY with REDIS_URL set is refused the same way', async t => {
  const { out, exited } = spawnServer(t, { REDIS_URL: 'redis://127.0.0.1:1', ADMIN_TOKEN: 'an-admin-token-long-enough-for-the-config' })
  t.equal(await exited, 1)
  t.match(out.stderr.trim(), /^tokenmint: invalid configuration: MASTER_KEY [^\n]+$/)
})

t.test('embedded dev mode: says so, prints one admin token line, serves on loopback, exits 0 on SIGTERM', async t => {
  const server = await startServer(t, { HOST: '' })
  t.notMatch(server.stdout(), /Server listening at http:\/\/(?!127\.0\.0\.1:)/, 'on 127.0.0.1 alone, HOST unset')
  const tokenLines = server.stdout().split('\n').filter(line => line.startsWith('admin token: '))
  t.equal(tokenLines.length, 1, 'the generated admin token is printed once')
  const token = tokenLines[0].slice('admin token: '.length)
  t.match(server.stdout(), /EMBEDDED DEV MODE/)
  t.equal((await fetch(`${server.url}/healthz`)).status, 200)
  t.equal((await fetch(`${server.url}/readyz`)).status, 200)
  const tenants = await fetch(`${server.url}/v1/admin/tenants`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(tenants.status, 200, 'the printed token is the admin token')
  const logsBefore = server.stdout().split('\n').filter(line => line.includes(token)).length
  t.equal(logsBefore, 1, 'the token appears nowhere but its own line')
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
  t.notMatch(server.stdout(), /"level":50/, 'no error was logged')
})

t.test('SIGINT also exits 0', async t => {
  const server = await startServer(t, { ADMIN_TOKEN: 'a-fixed-admin-token-for-the-tests-of-sigint' })
  t.notMatch(server.stdout(), /admin token:/, 'a configured admin token is never printed')
  server.child.kill('SIGINT')
  t.equal(await server.exited, 0)
})

t.test('logs at trace level carry no secret, API key, token or admin token', async t => {
  const adminToken = 'a-fixed-admin-token-for-the-tests-of-logs'
  const server = await startServer(t, { ADMIN_TOKEN: adminToken, LOG_LEVEL: 'trace' })
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
  const created = await (await fetch(`${server.url}/v1/admin/tenants`, { method: 'POST', headers: admin, body: JSON.stringify({ id: 'logged', name: 'Logged', profile: 'smooch' }) })).json() as { initialSecret: string }
  const imported = await fetch(`${server.url}/v1/admin/tenants/logged/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ kid: 'imported-1', alg: 'HS256', secret: 'an-imported-secret-value-123' }) })
  t.equal(imported.status, 201)
  const { apiKey } = await (await fetch(`${server.url}/v1/admin/tenants/logged/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'b' }) })).json() as { apiKey: string }
  const issued = await fetch(`${server.url}/v1/tenants/logged/tokens`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u' }) })
  const { token } = await issued.json() as { token: string }
  const refused = await fetch(`${server.url}/v1/tenants/logged/tokens`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}x`, 'content-type': 'application/json' }, body: '{}' })
  t.equal(refused.status, 401)
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
  const logs = server.stdout() + server.stderr()
  t.match(logs, /"reqId"/, 'requests were logged')
  for (const [what, value] of Object.entries({ adminToken, initialSecret: created.initialSecret, imported: 'an-imported-secret-value-123', apiKey, apiKeySecret: apiKey.split('_').slice(3).join('_'), token })) {
    t.notOk(logs.includes(value), `${what} never reaches the logs`)
  }
})
