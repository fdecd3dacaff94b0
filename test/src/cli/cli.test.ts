// The tokenmint CLI against a real listening server: in-process runs over real HTTP, and child processes of the bin entry.
import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { run } from '../../../src/cli/program.js'
import { ADMIN_TOKEN, build } from '../../helpers/build.js'
import { startReceiver } from '../../helpers/webhook-receiver.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const MAIN = join(ROOT, 'src/cli/main.ts')

interface Ran {
  code: number
  stdout: string
  stderr: string
}

/** Every output any run printed, to check the admin token never shows. */
const printed: string[] = []

/** Runs the CLI in this process, over real HTTP, with its own environment. */
async function cli (env: Record<string, string>, ...argv: string[]): Promise<Ran> {
  let stdout = ''
  let stderr = ''
  const code = await run(argv, {
    stdout: { write: (text: string) => { stdout += text } },
    stderr: { write: (text: string) => { stderr += text } },
    env
  })
  printed.push(stdout, stderr)
  return { code, stdout, stderr }
}

/** Runs the bin entry as a child process, as a user would. */
async function spawnCli (env: Record<string, string>, ...argv: string[]): Promise<Ran> {
  return await new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...argv], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      printed.push(stdout, stderr)
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

/** A loopback port nothing listens on. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

/** Command groups and their subcommands (audit has none). */
const COMMANDS: Record<string, string[]> = {
  tenants: ['list', 'create', 'show', 'delete'],
  keys: ['list', 'generate', 'import', 'rotate', 'revoke', 'public'],
  'api-keys': ['create', 'list', 'delete'],
  rotation: ['set', 'clear'],
  token: ['issue', 'verify'],
  audit: [],
  verifiers: ['list'],
  webhooks: ['create', 'list', 'delete', 'test', 'deliveries', 'retry'],
  credentials: ['create', 'list', 'delete'],
  whoami: []
}

const payloadOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'))

/** The value printed on the line after a "shown once" label. */
function shownOnce (stdout: string): string {
  const lines = stdout.split('\n')
  const at = lines.findIndex(line => line.includes('(shown once'))
  if (at < 0) throw new Error(`no secret shown in:\n${stdout}`)
  return lines[at + 1].trim()
}

t.test('the bin entry: help, a real command, a problem and an unreachable server', async t => {
  const { url } = await build(t, { listen: true })
  const env = { TOKENMINT_URL: url, TOKENMINT_ADMIN_TOKEN: ADMIN_TOKEN }
  const port = await closedPort()
  const [help, version, created, missing, unreachable] = await Promise.all([
    spawnCli({}, '--help'),
    spawnCli({}, '--version'),
    spawnCli(env, '--json', 'tenants', 'create', 'spawned', '--profile', 'smooch'),
    spawnCli(env, 'tenants', 'show', 'no-such-tenant'),
    spawnCli({ TOKENMINT_URL: `http://127.0.0.1:${port}`, TOKENMINT_ADMIN_TOKEN: ADMIN_TOKEN }, 'tenants', 'list')
  ])

  t.equal(help.code, 0)
  for (const group of Object.keys(COMMANDS)) t.match(help.stdout, new RegExp(`^ {2}${group}\\b`, 'm'), `--help lists ${group}`)
  for (const variable of ['TOKENMINT_URL', 'TOKENMINT_ADMIN_TOKEN', 'TOKENMINT_API_KEY']) t.match(help.stdout, variable)
  t.equal(version.code, 0, version.stderr)
  t.equal(version.stdout, `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string}\n`, '--version prints package.json\'s version')

  t.equal(created.code, 0, created.stderr)
  const tenant = JSON.parse(created.stdout)
  t.equal(tenant.id, 'spawned')
  t.match(tenant.initialSecret, /^[A-Za-z0-9_-]{43}$/)
  t.match(created.stderr, 'shown once')

  t.equal(missing.code, 1)
  t.equal(missing.stdout, '')
  t.match(missing.stderr, /^error: 404 TENANT_NOT_FOUND: /)

  t.equal(unreachable.code, 1)
  t.match(unreachable.stderr, `cannot reach tokenmint at http://127.0.0.1:${port}`)
})

t.test('every group and subcommand has help', async t => {
  for (const [group, commands] of Object.entries(COMMANDS)) {
    const groupHelp = await cli({}, group, '--help')
    t.equal(groupHelp.code, 0)
    t.match(groupHelp.stdout, `Usage: tokenmint ${group}`)
    for (const command of commands) {
      t.match(groupHelp.stdout, new RegExp(`^ {2}${command}\\b`, 'm'), `${group} --help lists ${command}`)
      const help = await cli({}, group, command, '--help')
      t.equal(help.code, 0)
      t.match(help.stdout, `Usage: tokenmint ${group} ${command}`)
    }
  }
  t.match((await cli({}, 'keys', 'import', '--help')).stdout, /--secret-file <file>[\s\S]*--pem-file <file>/)
  const unknown = await cli({}, 'tenants', 'list', '--bogus')
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, "unknown option '--bogus'")
})

t.test('tenants, keys, API keys, rotation and tokens in process over real HTTP', async t => {
  const { url, admin } = await build(t, { listen: true })
  const env = { TOKENMINT_URL: url, TOKENMINT_ADMIN_TOKEN: ADMIN_TOKEN }
  const dir = t.testdir({
    'schema.json': JSON.stringify({ type: 'object', properties: { plan: { type: 'string' }, seats: { type: 'integer' } }, required: ['plan'], additionalProperties: false }),
    'static.json': JSON.stringify({ team: 'chat' }),
    'secret.txt': 'dashboard-secret-0123456789abcdef\n',
    'bad.json': '[1, 2]'
  })
  const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  writeFileSync(join(dir, 'ec.pem'), ecPem)

  await t.test('tenants create, list, show', async t => {
    const acme = await cli(env, 'tenants', 'create', 'acme', '--profile', 'smooch', '--name', 'Acme Chat', '--ttl-max', '7200', '--rate-limit', '100', '--rate-window', '30000')
    t.equal(acme.code, 0, acme.stderr)
    t.match(acme.stdout, /^created tenant acme$/m)
    t.match(acme.stdout, /^name: +Acme Chat$/m)
    t.match(acme.stdout, /^rate limit: +100 per 30000 ms$/m)
    t.match(shownOnce(acme.stdout), /^[A-Za-z0-9_-]{43}$/)
    const stored = (await admin('GET', '/v1/admin/tenants/acme')).json()
    t.equal(stored.tokenPolicy.maxTtl, 7200)
    t.same(stored.rateLimit, { max: 100, timeWindow: 30000 })

    const shop = await cli(env, '--json', 'tenants', 'create', 'shop', '--profile', 'custom', '--alg', 'ES256', '--option', 'jti:=true', '--option', 'audience=chat-api',
      '--claims-schema', join(dir, 'schema.json'), '--static-claims', join(dir, 'static.json'), '--no-generate-key')
    t.equal(shop.code, 0, shop.stderr)
    const shopBody = JSON.parse(shop.stdout)
    t.same(shopBody.profileOptions, { jti: true, audience: 'chat-api' })
    t.same(shopBody.staticClaims, { team: 'chat' })
    t.equal(shopBody.activeKid, null)
    t.equal(shopBody.initialSecret, undefined)

    const list = await cli(env, 'tenants', 'list')
    t.equal(list.code, 0)
    t.match(list.stdout, /^ID +NAME +PROFILE +ALG/)
    t.match(list.stdout, /^acme +Acme Chat +smooch +HS256/m)
    t.match(list.stdout, /^shop +shop +custom +ES256/m)
    const page = await cli(env, 'tenants', 'list', '--limit', '1', '--json')
    const firstPage = JSON.parse(page.stdout)
    t.same(firstPage.items.map((item: { id: string }) => item.id), ['acme'])
    const next = await cli(env, 'tenants', 'list', '--json', '--cursor', firstPage.nextCursor)
    t.same(JSON.parse(next.stdout).items.map((item: { id: string }) => item.id), ['shop'])
    t.match((await cli(env, 'tenants', 'list', '--limit', '1')).stdout, `more: tokenmint tenants list --cursor ${firstPage.nextCursor}`)

    const show = await cli(env, 'tenants', 'show', 'acme')
    t.equal(show.code, 0)
    t.match(show.stdout, new RegExp(`^active kid: +${stored.activeKid}$`, 'm'))
    t.match(show.stdout, /^token ttl: +default 3600 s, min 60 s, max 7200 s/m)
    const showJson = await cli(env, 'tenants', 'show', 'acme', '--json')
    t.same(JSON.parse(showJson.stdout), stored)
  })

  await t.test('keys generate, list, import, rotate, revoke', async t => {
    const generated = await cli(env, 'keys', 'generate', 'acme')
    t.equal(generated.code, 0, generated.stderr)
    const kid = /^generated key (\S+) of acme$/m.exec(generated.stdout)?.[1]
    t.ok(kid, 'the new kid is printed')
    t.match(shownOnce(generated.stdout), /^[A-Za-z0-9_-]{43}$/)
    t.match(generated.stdout, /^state: +active$/m)

    const imported = await cli(env, 'keys', 'import', 'acme', '--secret-file', join(dir, 'secret.txt'), '--kid', 'dash1', '--activate-at', '2100-01-01T00:00:00Z')
    t.equal(imported.code, 0, imported.stderr)
    t.match(imported.stdout, /^imported key dash1 of acme$/m)
    t.notMatch(imported.stdout, 'shown once', 'an imported secret is not echoed')
    t.notMatch(imported.stdout, 'dashboard-secret')

    const keys = await cli(env, 'keys', 'list', 'acme', '--json')
    const items: Array<{ kid: string, state: string, source: string }> = JSON.parse(keys.stdout).items
    t.same(items.map(k => [k.kid, k.state]).slice(-2), [[kid, 'active'], ['dash1', 'pending']])
    t.equal(items.length, 3)
    const table = await cli(env, 'keys', 'list', 'acme')
    t.match(table.stdout, /^KID +ALG +SOURCE +STATE/)
    t.match(table.stdout, /^dash1 +HS256 +imported +pending +no +2100-01-01T00:00:00.000Z +-$/m)

    const pem = await cli(env, 'keys', 'import', 'shop', '--pem-file', join(dir, 'ec.pem'), '--kid', 'ec1', '--alg', 'ES256')
    t.equal(pem.code, 0, pem.stderr)
    t.match(pem.stdout, /^state: +active$/m)
    t.match(pem.stdout, /^published: +yes$/m)

    const rotated = await cli(env, 'keys', 'rotate', 'shop', '--at', String(Math.floor(Date.now() / 1000) + 3600), '--prepublish', '600', '--json')
    t.equal(rotated.code, 0, rotated.stderr)
    const next = JSON.parse(rotated.stdout).key
    t.equal(next.state, 'pending')
    t.equal(next.alg, 'ES256')
    t.equal(Date.parse(next.activateAt) - Date.parse(next.publishAt), 600_000)

    const revoked = await cli(env, 'keys', 'revoke', 'acme', 'dash1')
    t.equal(revoked.code, 0, revoked.stderr)
    t.match(revoked.stdout, /^revoked key dash1 of acme at \d{4}-/m)
    t.match(revoked.stdout, `active key now: ${kid}`)
    t.same((await admin('GET', '/v1/admin/tenants/acme/keys')).json().items.find((k: { kid: string }) => k.kid === 'dash1').state, 'revoked')
  })

  await t.test('api-keys create, list, delete; token issue and verify', async t => {
    const created = await cli(env, 'api-keys', 'create', 'acme', '--name', 'backend')
    t.equal(created.code, 0, created.stderr)
    const apiKey = shownOnce(created.stdout)
    t.match(apiKey, /^tm_acme_[A-Za-z0-9]+_[A-Za-z0-9_-]{43}$/)
    const id = apiKey.split('_')[2]
    const list = await cli(env, 'api-keys', 'list', 'acme')
    t.match(list.stdout, new RegExp(`^${id} +backend +\\d{4}-`, 'm'))
    t.notMatch(list.stdout, apiKey)

    const issued = await cli(env, 'token', 'issue', 'acme', '--api-key', apiKey, '--claim', 'userId=u1', '--ttl', '120')
    t.equal(issued.code, 0, issued.stderr)
    const token = issued.stdout.split('\n')[0]
    const payload = payloadOf(token)
    t.equal(payload.userId, 'u1')
    t.equal(payload.scope, 'appUser')
    t.equal(Number(payload.exp) - Number(payload.iat), 120)
    t.match(issued.stdout, /^claims: +\{"scope":"appUser","userId":"u1"/m)

    const viaEnv = await cli({ ...env, TOKENMINT_API_KEY: apiKey }, '--json', 'token', 'issue', 'acme', '--claims', '{"userId":"u2"}')
    t.equal(viaEnv.code, 0, viaEnv.stderr)
    const answer = JSON.parse(viaEnv.stdout)
    t.equal(payloadOf(answer.token).userId, 'u2')
    t.equal(payloadOf(answer.token).exp, answer.expiresAt)

    const valid = await cli({ ...env, TOKENMINT_API_KEY: apiKey }, 'token', 'verify', 'acme', token)
    t.equal(valid.code, 0, valid.stderr)
    t.match(valid.stdout, /^valid$/m)
    const tampered = await cli({ ...env, TOKENMINT_API_KEY: apiKey }, 'token', 'verify', 'acme', token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'))
    t.equal(tampered.code, 1)
    t.match(tampered.stdout, /^not valid$/m)

    const numeric = await cli(env, 'token', 'issue', 'acme', '--api-key', apiKey, '--claim', 'userId:=5')
    t.equal(numeric.code, 1)
    t.match(numeric.stderr, /^error: 400 VALIDATION_FAILED: /)
    t.match(numeric.stderr, /^ {2}\/userId: /m)

    const shopKey = shownOnce((await cli(env, 'api-keys', 'create', 'shop', '--name', 'web')).stdout)
    const custom = await cli(env, '--json', 'token', 'issue', 'shop', '--api-key', shopKey, '--claims', '{"plan":"pro"}', '--claim', 'seats:=3')
    t.equal(custom.code, 0, custom.stderr)
    const customPayload = payloadOf(JSON.parse(custom.stdout).token)
    t.equal(customPayload.plan, 'pro')
    t.equal(customPayload.seats, 3)
    t.equal(customPayload.team, 'chat')
    t.equal(customPayload.aud, 'chat-api')
    t.match(customPayload.jti, /^[0-9a-f-]{36}$/)

    const deleted = await cli(env, 'api-keys', 'delete', 'acme', id)
    t.equal(deleted.code, 0, deleted.stderr)
    t.match(deleted.stdout, `deleted API key ${id} of acme`)
    t.same((await cli(env, '--json', 'api-keys', 'list', 'acme')).stdout, JSON.stringify({ items: [], nextCursor: null }, null, 2) + '\n')
    const refused = await cli(env, 'token', 'issue', 'acme', '--api-key', apiKey, '--claim', 'userId=u1')
    t.equal(refused.code, 1)
    t.match(refused.stderr, /^error: 403 FORBIDDEN: /)
  })

  await t.test('rotation set and clear', async t => {
    const set = await cli(env, 'rotation', 'set', 'acme', '--every', '86400', '--prepublish', '10')
    t.equal(set.code, 0, set.stderr)
    t.match(set.stdout, /^acme rotates every 86400 s, each version published 10 s before it signs/m)
    t.match(set.stderr, /^warning: /m, 'a prepublish shorter than the JWKS max-age is warned about')
    t.same((await admin('GET', '/v1/admin/tenants/acme')).json().rotation.every, 86400)
    t.match((await cli(env, 'tenants', 'list')).stdout, /^acme .* every 86400 s/m)

    const cleared = await cli(env, 'rotation', 'clear', 'acme')
    t.equal(cleared.code, 0, cleared.stderr)
    t.match(cleared.stdout, 'periodic rotation of acme stopped')
    t.equal((await admin('GET', '/v1/admin/tenants/acme')).json().rotation, undefined)
    t.match((await cli(env, 'tenants', 'show', 'acme')).stdout, /^rotation: +none$/m)
  })

  await t.test('audit and delete', async t => {
    const audit = await cli(env, 'audit', '--tenant', 'acme', '--limit', '2', '--json')
    t.same(JSON.parse(audit.stdout).items.map((e: { action: string }) => e.action), ['rotation.clear', 'rotation.set'])
    const page = await cli(env, 'audit', '--tenant', 'acme', '--limit', '1')
    const more = /^more: tokenmint audit --cursor (\S+)$/m.exec(page.stdout)
    t.ok(more, 'a page that is not the last names the next cursor')
    const next = await cli(env, 'audit', '--tenant', 'acme', '--limit', '1', '--cursor', more?.[1] ?? '', '--json')
    t.same(JSON.parse(next.stdout).items.map((e: { action: string }) => e.action), ['rotation.set'], 'and --cursor reads the next page')

    const unconfirmed = await cli(env, 'tenants', 'delete', 'shop')
    t.equal(unconfirmed.code, 2)
    t.match(unconfirmed.stderr, 'without --yes')
    t.equal((await admin('GET', '/v1/admin/tenants/shop')).statusCode, 200, 'nothing was deleted')

    const deleted = await cli(env, 'tenants', 'delete', 'shop', '--yes')
    t.equal(deleted.code, 0, deleted.stderr)
    t.match(deleted.stdout, 'deleted tenant shop')
    const gone = await cli(env, 'tenants', 'show', 'shop')
    t.equal(gone.code, 1)
    t.match(gone.stderr, /^error: 404 TENANT_NOT_FOUND: /)
  })

  await t.test('errors: validation, conflicts, credentials and usage', async t => {
    const invalid = await cli(env, 'tenants', 'create', 'desk', '--profile', 'tiledesk')
    t.equal(invalid.code, 1)
    t.match(invalid.stderr, /^error: 400 \w+: /)
    t.match(invalid.stderr, /^ {2}\/profileOptions/m)
    t.equal(invalid.stdout, '')

    const exists = await cli(env, 'tenants', 'create', 'acme', '--profile', 'smooch')
    t.equal(exists.code, 1)
    t.match(exists.stderr, /^error: 409 TENANT_EXISTS: /)

    const wrongToken = await cli({ ...env, TOKENMINT_ADMIN_TOKEN: 'not-the-admin-token' }, 'tenants', 'list')
    t.equal(wrongToken.code, 1)
    t.match(wrongToken.stderr, /^error: 401 UNAUTHORIZED: /)
    const flagToken = await cli({ TOKENMINT_URL: url }, '--admin-token', ADMIN_TOKEN, 'tenants', 'show', 'acme')
    t.equal(flagToken.code, 0, flagToken.stderr)

    const noToken = await cli({ TOKENMINT_URL: url }, 'tenants', 'list')
    t.equal(noToken.code, 2)
    t.match(noToken.stderr, 'no admin token: set TOKENMINT_ADMIN_TOKEN')
    const noApiKey = await cli(env, 'token', 'issue', 'acme', '--claim', 'userId=u1')
    t.equal(noApiKey.code, 2)
    t.match(noApiKey.stderr, 'no API key')

    const badTtl = await cli(env, 'token', 'issue', 'acme', '--ttl', 'soon')
    t.equal(badTtl.code, 2)
    t.match(badTtl.stderr, "option '--ttl <s>' argument 'soon' is invalid")
    const badImport = await cli(env, 'keys', 'import', 'acme', '--secret-file', join(dir, 'secret.txt'))
    t.equal(badImport.code, 2)
    t.match(badImport.stderr, '--secret-file needs --kid')
    const badFile = await cli(env, 'tenants', 'create', 'other', '--profile', 'custom', '--claims-schema', join(dir, 'bad.json'))
    t.equal(badFile.code, 2)
    t.match(badFile.stderr, 'must be a JSON object')
    const missingFile = await cli(env, 'keys', 'import', 'acme', '--pem-file', join(dir, 'nope.pem'))
    t.equal(missingFile.code, 2)
    t.match(missingFile.stderr, 'ENOENT')
    const badUrl = await cli({ ...env, TOKENMINT_URL: 'not a url' }, 'tenants', 'list')
    t.equal(badUrl.code, 2)
    const noCommand = await cli(env, 'keys')
    t.equal(noCommand.code, 2)
    t.match(noCommand.stderr, 'Usage: tokenmint keys')
  })

  await t.test('the admin token never appears in any output', async t => {
    t.ok(printed.length > 0)
    t.notOk(printed.some(text => text.includes(ADMIN_TOKEN)))
  })
})

t.test('keys public prints an asymmetric key as PEM; rotate says what happened; a bad --claims says why', async t => {
  const { url, admin } = await build(t, { listen: true })
  const env = { TOKENMINT_URL: url, TOKENMINT_ADMIN_TOKEN: ADMIN_TOKEN }
  const sceyt = (await admin('POST', '/v1/admin/tenants', { id: 'pem', name: 'P', profile: 'sceyt', profileOptions: { applicationId: 'app' } })).json()
  const [view] = (await admin('GET', '/v1/admin/tenants/pem/keys')).json().items
  const pem = await cli(env, 'keys', 'public', 'pem', sceyt.activeKid)
  t.equal(pem.code, 0, pem.stderr)
  t.equal(pem.stdout, view.publicKeyPem, 'the PEM exactly as the key view carries it')
  t.match(pem.stdout, /^-----BEGIN PUBLIC KEY-----\n/)
  const asJson = await cli(env, '--json', 'keys', 'public', 'pem', sceyt.activeKid)
  t.strictSame(JSON.parse(asJson.stdout), { kid: sceyt.activeKid, alg: 'RS256', publicKeyPem: view.publicKeyPem })
  // A kid that begins with "-" (a thumbprint may) is taken as the kid, not as an option.
  const dashed = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const imported = await admin('POST', '/v1/admin/tenants/pem/keys', { alg: 'RS256', privateKeyPem: dashed, kid: '-dash-first' })
  t.equal(imported.statusCode, 201, imported.body)
  const dashedPem = await cli(env, 'keys', 'public', 'pem', '-dash-first')
  t.equal(dashedPem.code, 0, dashedPem.stderr)
  t.match(dashedPem.stdout, /^-----BEGIN PUBLIC KEY-----\n/)
  const dashedRevoke = await cli(env, 'keys', 'revoke', 'pem', '-dash-first')
  t.equal(dashedRevoke.code, 0, dashedRevoke.stderr)

  await admin('POST', '/v1/admin/tenants', { id: 'hs', name: 'H', profile: 'smooch' })
  const hsKid = (await admin('GET', '/v1/admin/tenants/hs/keys')).json().items[0].kid as string
  const symmetric = await cli(env, 'keys', 'public', 'hs', hsKid)
  t.equal(symmetric.code, 1)
  t.equal(symmetric.stderr, `error: key ${hsKid} is HS256: a shared secret has no public key\n`)
  const unknown = await cli(env, 'keys', 'public', 'hs', 'nope')
  t.equal(unknown.stderr, 'error: hs has no key nope (see: tokenmint keys list hs)\n')

  const rotated = await cli(env, 'keys', 'rotate', 'hs')
  t.equal(rotated.code, 0, rotated.stderr)
  t.match(rotated.stdout, /^rotated to key hs_\S+ of hs$/m, 'an HS256 rotation takes effect at once and says so')
  t.notMatch(rotated.stdout, /scheduled/)
  t.match(rotated.stdout, /signs new tokens from now on: give the platform that verifies them its secret \(below\)/)
  const later = await cli(env, 'keys', 'rotate', 'pem', '--at', String(Math.floor(Date.now() / 1000) + 3600))
  t.equal(later.code, 0, later.stderr)
  t.match(later.stdout, /^scheduled key \S+ of pem$/m)
  t.match(later.stdout, /signs new tokens from \d{4}-\d\d-\d\dT[^;]+; the current key signs until then/)

  const api = (await admin('POST', '/v1/admin/tenants/hs/api-keys', { name: 'b' })).json().apiKey as string
  const badClaims = await cli(env, 'token', 'issue', 'hs', '--api-key', api, '--claims', '{userId:1}')
  t.equal(badClaims.code, 2)
  t.equal(badClaims.stderr, "error: --claims must be a JSON object: unexpected 'u' at column 2\n")
  const array = await cli(env, 'token', 'issue', 'hs', '--api-key', api, '--claims', '["u"]')
  t.equal(array.stderr, 'error: --claims must be a JSON object: got an array\n')
})

t.test('verifiers list shows who fetched the JWKS; keys rotate --wait-for-verifiers --max-delay gates the new key', async t => {
  const { app, url, admin } = await build(t, { listen: true })
  const env = { TOKENMINT_URL: url, TOKENMINT_ADMIN_TOKEN: ADMIN_TOKEN }
  const tenant = (await admin('POST', '/v1/admin/tenants', { id: 'gated', name: 'G', profile: 'sceyt', profileOptions: { applicationId: 'app' } })).json()
  const empty = await cli(env, 'verifiers', 'list', 'gated')
  t.equal(empty.code, 0, empty.stderr)
  t.match(empty.stdout, 'no verifiers yet')
  await app.inject({ url: '/t/gated/.well-known/jwks.json', headers: { 'user-agent': 'gateway/3.0' } })
  await app.tokenmint.verifiers.flush()
  const listed = await cli(env, 'verifiers', 'list', 'gated')
  t.equal(listed.code, 0, listed.stderr)
  t.match(listed.stdout, new RegExp(`^[0-9a-f]{16}\\s+127\\.0\\.0\\.1\\s+gateway/3\\.0\\s+\\S+\\s+1\\s+${tenant.activeKid as string}$`, 'm'))
  const json = JSON.parse((await cli(env, '--json', 'verifiers', 'list', 'gated', '--limit', '1')).stdout)
  t.match(json, { items: [{ userAgent: 'gateway/3.0', fetches: 1, kids: [tenant.activeKid] }], nextCursor: null })

  const gated = await cli(env, 'keys', 'rotate', 'gated', '--wait-for-verifiers', '--max-delay', '600')
  t.equal(gated.code, 0, gated.stderr)
  t.match(gated.stdout, /^ *activate by: +\d{4}-/m)
  t.match(gated.stdout, /once every verifier has it, by \d{4}-\d\d-\d\dT\S+ at the latest/)
  const [, rotated] = (await admin('GET', '/v1/admin/tenants/gated/keys')).json().items
  t.equal(Date.parse(rotated.activateBy) - Date.parse(rotated.activateAt), 600_000)
  const usage = await cli(env, 'keys', 'rotate', 'gated', '--max-delay', '600')
  t.equal(usage.code, 2)
  t.equal(usage.stderr, 'error: --max-delay needs --wait-for-verifiers\n')
})

t.test('webhooks: create shows the secret once, test delivers, deliveries lists it, retry refuses a delivered one, delete', async t => {
  const { url, app } = await build(t, { listen: true, env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' } })
  const env = { TOKENMINT_URL: url, TOKENMINT_ADMIN_TOKEN: ADMIN_TOKEN }
  const receiver = await startReceiver(t)
  const created = await cli(env, 'webhooks', 'create', receiver.url, '--events', 'webhook.test,key.created', '--description', 'ops')
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /created webhook (wh_\S+) → /)
  const id = /created webhook (wh_\S+)/.exec(created.stdout)?.[1] as string
  const secret = shownOnce(created.stdout + created.stderr)
  t.match(secret, /^whsec_/)
  const listed = await cli(env, 'webhooks', 'list')
  t.match(listed.stdout, id)
  t.notMatch(listed.stdout, secret.slice(6))
  t.equal((await cli(env, 'webhooks', 'test', id)).code, 0)
  await app.tokenmint.deliveries.tick()
  t.ok(receiver.verify(secret, await receiver.next(d => d.json.type === 'webhook.test')))
  const deliveries = await cli(env, '--json', 'webhooks', 'deliveries', id, '--status', 'delivered')
  const [delivery] = JSON.parse(deliveries.stdout).items
  t.match(delivery, { type: 'webhook.test', status: 'delivered', attempts: 1 })
  const retried = await cli(env, 'webhooks', 'retry', id, delivery.id)
  t.equal(retried.code, 1)
  t.match(retried.stderr, /409 CONFLICT/)
  t.equal((await cli(env, 'webhooks', 'deliveries', id, '--status', 'nope')).code, 2)
  t.equal((await cli(env, 'webhooks', 'delete', id)).code, 0)
  t.match((await cli(env, 'webhooks', 'list')).stdout, 'no webhooks')
})

t.test('credentials create (shown once), list, delete, and whoami; TOKENMINT_ADMIN_TOKEN takes any credential', async t => {
  const { url } = await build(t, { listen: true })
  const root = { TOKENMINT_URL: url, TOKENMINT_ADMIN_TOKEN: ADMIN_TOKEN }
  const created = await cli(root, 'credentials', 'create', '--name', 'Acme team', '--role', 'tenant-admin', '--tenants', 'acme,acme-eu')
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /created credential [a-f0-9]{16} \(Acme team\), role tenant-admin of acme, acme-eu/)
  const token = shownOnce(created.stdout)
  t.match(token, /^tmo_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/)
  const id = token.slice(4, 20)

  const scoped = { TOKENMINT_URL: url, TOKENMINT_ADMIN_TOKEN: token }
  const who = await cli(scoped, 'whoami')
  t.equal(who.code, 0, who.stderr)
  t.equal(who.stdout, `${id} (Acme team), role tenant-admin, tenants acme, acme-eu\n`)
  t.same(JSON.parse((await cli(root, '--json', 'whoami')).stdout), { id: 'root', name: 'root', role: 'admin', tenants: null })
  const refused = await cli(scoped, 'credentials', 'list')
  t.equal(refused.code, 1)
  t.match(refused.stderr, /^error: 403 FORBIDDEN: /)

  const list = await cli(root, 'credentials', 'list')
  t.match(list.stdout, new RegExp(`${id}\\s+Acme team\\s+tenant-admin\\s+acme,acme-eu\\s+never`))
  t.notMatch(list.stdout, token.slice(21), 'never the token')
  const bad = await cli(root, 'credentials', 'create', '--name', 'x', '--role', 'owner')
  t.equal(bad.code, 2)
  t.match(bad.stderr, /must be one of admin, operator, tenant-admin, auditor/)

  t.equal((await cli(root, 'credentials', 'delete', id)).code, 0)
  const gone = await cli(scoped, 'whoami')
  t.equal(gone.code, 1)
  t.match(gone.stderr, /^error: 401 UNAUTHORIZED: /)
  const log = await cli(root, 'audit', '--actor', 'root')
  t.match(log.stdout, /credential\.delete/)
  t.match(log.stdout, /credential\.create/)
})
