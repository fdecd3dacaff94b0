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
  const { out, exited } = spawnServer(t, { REDIS_URL: 'redis://127.0.0.1:1', ADMIN_TOKEN: 'an-admin-token-long-enough' })
  t.equal(await exited, 1)
  t.match(out.stderr.trim(), /^tokenmint: invalid configuration: MASTER_KEY [^\n]+$/)
})

t.test('embedded dev mode: says so, prints one admin token line, serves, exits 0 on SIGTERM', async t => {
  const server = await startServer(t, {})
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
  const server = await startServer(t, { ADMIN_TOKEN: 'a-fixed-admin-token-for-tests' })
  t.notMatch(server.stdout(), /admin token:/, 'a configured admin token is never printed')
  server.child.kill('SIGINT')
  t.equal(await server.exited, 0)
})
