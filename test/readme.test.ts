// The README's quick start and recipes run as pasted: each block against a started server, with bash and curl.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { jwtVerify } from 'jose'
import t from 'tap'
import { ADMIN_TOKEN, build } from './helpers/build.js'

const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const BASE = 'U=http://localhost:3000'
/** Every shell block that talks to the service: they all start by naming it, the admin token and the JSON header. */
const BLOCKS = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map(match => match[1]).filter(block => block.startsWith(BASE))

/** Values a user pastes in place of the `<...>` placeholders, by variable. */
const FILLED: Record<string, () => string> = {
  KID: () => `app_${randomBytes(6).toString('hex')}`,
  SECRET: () => randomBytes(32).toString('base64url'),
  PROJECT: () => '64f0c2a1b2',
  APP: () => '8lwox2ge93'
}

async function runBlock (block: string, url: string): Promise<string> {
  const script = block.replace(BASE, `U=${url}`)
  return await new Promise((resolve, reject) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], { env: { PATH: process.env.PATH ?? '', TOKENMINT_ADMIN_TOKEN: ADMIN_TOKEN }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

t.test('the README has the quick start and one block per recipe', async t => {
  t.equal(BLOCKS.length, 7, 'quick start + smooch, khoros, tiledesk, sceyt, chat-widget, custom')
  const ids = BLOCKS.map(block => /"id\\?":\\?"([a-z0-9-]+)/.exec(block)?.[1])
  t.equal(new Set(ids).size, BLOCKS.length, `each block creates its own tenant (${ids.join(', ')})`)
  for (const block of BLOCKS) t.match(block, '/api-keys', 'and its API key')
})

t.test('as pasted, a placeholder is refused with a 400 naming its field, and no token is issued', async t => {
  const { url } = await build(t, { listen: true })
  for (const block of BLOCKS.filter(b => /[A-Z]+='</.test(b))) {
    const out = await runBlock(block, url)
    t.match(out, /"status":400,"detail":"\/(kid|secret|profileOptions\/\w+) [^"]+"/, 'a 400 naming the placeholder field')
    t.notMatch(out, /"token":"/, 'no token with a placeholder')
  }
})

t.test('with the placeholders filled in, every block runs against a fresh server and issues its token', async t => {
  const { url } = await build(t, { listen: true })
  for (const block of BLOCKS) {
    const values: Record<string, string> = {}
    const filled = block.replace(/\b([A-Z]+)='<[^'>]*>'/g, (_all, name: string) => {
      values[name] = (FILLED[name] ?? (() => 'value-1'))()
      return `${name}='${values[name]}'`
    })
    const out = await runBlock(filled, url)
    const id = /"id\\?":\\?"([a-z0-9-]+)/.exec(block)?.[1] ?? ''
    t.notMatch(out, /"status":[45]\d\d/, `${id}: no error answer`)
    const token = /"token":"([^"]+)"/.exec(out)?.[1]
    t.type(token, 'string', `${id}: a token was issued`)
    if (token === undefined) continue
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'))
    if (values.SECRET !== undefined) {
      const kid = values.KID ?? /KID=(\S+)/.exec(block)?.[1]
      t.equal(header.kid, kid, `${id}: signed by the imported key`)
      await jwtVerify(token, new TextEncoder().encode(values.SECRET), { algorithms: ['HS256'] })
    } else {
      t.not(header.alg, 'HS256', `${id}: a generated key pair`)
    }
  }
})
