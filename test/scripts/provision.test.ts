// scripts/provision.sh's decisions, run by bash with a PATH holding only stand-ins for `id`, `apt-get` and the tools it looks for.
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SCRIPT = fileURLToPath(new URL('../../scripts/provision.sh', import.meta.url))
const BASH = ['/bin/bash', '/usr/bin/bash'].find(path => existsSync(path)) ?? 'bash'
const INSTALL_LINE = 'install -y -qq --no-install-recommends'

interface Run { code: number | null, stdout: string, stderr: string }

interface Bin {
  dir: string
  /** What the stand-in apt-get was called with, one line per call. */
  aptCalls: () => Promise<string[]>
}

/**
 * A directory to use as the whole PATH: `id` answers `uid`, `tools` are present, and with `apt` an apt-get
 * records its arguments and, on install, puts `installs` on the PATH (as the real packages would).
 */
async function bin (t: Test, options: { uid: number, tools?: string[], apt?: boolean, installs?: string[] }): Promise<Bin> {
  const dir = await mkdtemp(join(tmpdir(), 'tokenmint-provision-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const log = join(dir, 'apt-get.log')
  const tool = async (name: string, body: string): Promise<void> => {
    await writeFile(join(dir, name), `#!${BASH}\n${body}\n`)
    await chmod(join(dir, name), 0o755)
  }
  await tool('id', `echo ${options.uid}`)
  for (const name of options.tools ?? []) await tool(name, 'exit 0')
  if (options.apt === true) {
    const creates = (options.installs ?? []).map(name => `printf '#!${BASH}\\nexit 0\\n' > '${join(dir, name)}'; /bin/chmod 755 '${join(dir, name)}'`)
    await tool('apt-get', [`echo "$*" >> '${log}'`, 'if [ "$1" = install ]; then', ...creates, 'fi'].join('\n'))
  }
  return {
    dir,
    aptCalls: async () => existsSync(log) ? (await readFile(log, 'utf8')).trim().split('\n') : []
  }
}

function provision (dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  return new Promise(resolve => {
    execFile(BASH, [SCRIPT, ...args], { env: { PATH: dir, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stdout, stderr })
    })
  })
}

t.test('everything present: exit 0, silent, apt-get untouched', async t => {
  const b = await bin(t, { uid: 0, apt: true, tools: ['redis-server', 'redis-cli', 'chromium'] })
  t.same(await provision(b.dir), { code: 0, stdout: '', stderr: '' })
  t.same(await b.aptCalls(), [])
})

t.test('an empty PATH: one line with the install command, exit 1', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'tokenmint-provision-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const run = await provision(dir)
  t.equal(run.code, 1)
  t.equal(run.stdout, '')
  t.equal(run.stderr.split('\n').filter(Boolean).length, 1, 'one line')
  t.match(run.stderr, 'redis-server, redis-cli, chromium not on PATH')
  t.match(run.stderr, 'sudo apt-get install -y redis-server redis-tools chromium', 'no `id` on PATH counts as not root')
})

t.test('not root: the exact command, nothing installed', async t => {
  const b = await bin(t, { uid: 1000, apt: true, tools: ['redis-server'] })
  const run = await provision(b.dir)
  t.equal(run.code, 1)
  t.equal(run.stderr, 'provision: redis-cli, chromium not on PATH; install with: sudo apt-get install -y redis-tools chromium\n')
  t.same(await b.aptCalls(), [])
})

t.test('root without apt-get: the command, without sudo', async t => {
  const b = await bin(t, { uid: 0 })
  const run = await provision(b.dir)
  t.equal(run.code, 1)
  t.match(run.stderr, /^provision: redis-server, redis-cli, chromium not on PATH; install with: apt-get install -y redis-server redis-tools chromium \(/)
})

t.test('root with apt-get: one update, one install of the missing packages, then checked again', async t => {
  const b = await bin(t, { uid: 0, apt: true, tools: ['redis-cli'], installs: ['redis-server', 'chromium'] })
  const run = await provision(b.dir)
  t.equal(run.code, 0, run.stderr)
  t.equal(run.stdout, 'provision: installing redis-server chromium with apt-get (for redis-server, chromium)...\nprovision: installed redis-server chromium\n')
  t.same(await b.aptCalls(), ['update -qq', `${INSTALL_LINE} redis-server chromium`])
  t.same(await provision(b.dir), { code: 0, stdout: '', stderr: '' }, 'a second run has nothing to do')
})

t.test('root with apt-get whose packages leave a command missing: exit 1', async t => {
  const b = await bin(t, { uid: 0, apt: true, installs: ['redis-server', 'redis-cli'] })
  const run = await provision(b.dir)
  t.equal(run.code, 1)
  t.match(run.stderr, 'provision: apt-get installed redis-server redis-tools chromium but chromium is still not on PATH')
})

t.test('--with-compose also wants docker-compose; the dry run only says what it would run', async t => {
  const b = await bin(t, { uid: 0, apt: true, tools: ['redis-server', 'redis-cli', 'chromium'] })
  const run = await provision(b.dir, ['--with-compose'], { TOKENMINT_PROVISION_DRY_RUN: '1' })
  t.equal(run.code, 0)
  t.equal(run.stdout, `provision: docker-compose not on PATH; would run: apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get ${INSTALL_LINE} docker-compose\n`)
  t.same(await b.aptCalls(), [])
  t.same(await provision(b.dir), { code: 0, stdout: '', stderr: '' }, 'without the flag docker-compose is not needed')
})

t.test('an unknown argument is a usage error', async t => {
  const b = await bin(t, { uid: 0 })
  const run = await provision(b.dir, ['--compose'])
  t.equal(run.code, 2)
  t.match(run.stderr, 'unknown argument --compose')
})
