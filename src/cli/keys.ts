// `tokenmint keys`: a tenant's keyring: list, generate, import, rotate, revoke, and public keys as PEM.
import { Option, type Command } from 'commander'
import type { KeyCreated, KeyList, KeyRevoked, KeyRotated, KeyView } from '../schemas/keys.js'
import { ALGS } from '../types.js'
import type { CliContext } from './context.js'
import { UsageError } from './errors.js'
import { path } from './http-client.js'
import { integer, readText, time, type JsonObject } from './input.js'
import type { Output } from './output.js'

const keysPath = (tenant: string): string => '/v1/admin/tenants' + path(tenant, 'keys')

function printKey (out: Output, verb: string, tenant: string, key: KeyView): void {
  out.line(`${verb} key ${key.kid} of ${tenant}`)
  out.fields([
    ['kid', key.kid],
    ['alg', key.alg],
    ['source', key.source],
    ['state', key.state],
    ['published', key.alg === 'HS256' ? 'never (HS256)' : key.published ? 'yes' : 'no'],
    ['publish at', key.alg === 'HS256' ? undefined : key.publishAt],
    ['activate at', key.activateAt],
    ['activate by', key.activateBy],
    ['revoked at', key.revokedAt],
    ['retires at', key.retiresAt]
  ])
}

/** Prints a created key version, its once-shown secret and warnings. */
function printCreated (out: Output, verb: string, tenant: string, answer: KeyCreated): void {
  out.result(answer, () => printKey(out, verb, tenant, answer.key))
  out.secret(`generated HS256 secret of key ${answer.key.kid}`, 'secret', answer.secret)
  out.warnings(answer.warnings)
}

interface ImportFlags {
  secretFile?: string
  pemFile?: string
  kid?: string
  alg?: string
  activateAt?: number | string
}

async function importBody (flags: ImportFlags, ctx: CliContext): Promise<JsonObject> {
  if ((flags.secretFile === undefined) === (flags.pemFile === undefined)) throw new UsageError('give exactly one of --secret-file (with --kid) and --pem-file')
  const body: JsonObject = {}
  if (flags.secretFile !== undefined) {
    if (flags.kid === undefined) throw new UsageError('--secret-file needs --kid (the key id your platform shows beside the secret)')
    if (flags.alg !== undefined && flags.alg !== 'HS256') throw new UsageError('an imported secret is HS256')
    const secret = (await readText(flags.secretFile, ctx.io.stdin)).replace(/[\r\n]+$/, '')
    if (secret === '') throw new UsageError(`${flags.secretFile} is empty`)
    Object.assign(body, { kid: flags.kid, alg: 'HS256', secret })
  } else {
    body.privateKeyPem = await readText(flags.pemFile as string, ctx.io.stdin)
    if (flags.kid !== undefined) body.kid = flags.kid
    if (flags.alg !== undefined) body.alg = flags.alg
  }
  if (flags.activateAt !== undefined) body.activateAt = flags.activateAt
  return body
}

export function registerKeys (program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('list, generate, import, rotate and revoke a tenant\'s key versions')
  const timeHelp = 'ISO 8601 or Unix seconds'

  keys.command('list')
    .description('key versions with their derived state (never material)')
    .argument('<tenant>', 'tenant id')
    .action(async (tenant: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const list = await client.request<KeyList>('GET', keysPath(tenant), { auth: 'admin' })
      out.result(list, () => out.table(['kid', 'alg', 'source', 'state', 'published', 'activate at', 'revoked / retires at'],
        list.items.map(k => [k.kid, k.alg, k.source, k.state, k.published ? 'yes' : 'no', k.activateAt, k.revokedAt ?? k.retiresAt]), 'no keys'))
    })

  keys.command('generate')
    .description('generate a key version (an HS256 secret is shown once)')
    .argument('<tenant>', 'tenant id')
    .addOption(new Option('--alg <alg>', 'algorithm (default: the tenant\'s)').choices(ALGS))
    .option('--activate-at <time>', `when it starts signing (${timeHelp}; default now)`, time)
    .action(async (tenant: string, flags: { alg?: string, activateAt?: number | string }, command: Command) => {
      const { client, out } = ctx.session(command)
      const body: JsonObject = {}
      if (flags.alg !== undefined) body.alg = flags.alg
      if (flags.activateAt !== undefined) body.activateAt = flags.activateAt
      printCreated(out, 'generated', tenant, await client.request<KeyCreated>('POST', keysPath(tenant), { auth: 'admin', body }))
    })

  keys.command('import')
    .description('import an HS256 secret from a platform\'s dashboard (--secret-file with --kid) or a PEM private key (--pem-file)')
    .argument('<tenant>', 'tenant id')
    .option('--secret-file <file>', 'file holding the HS256 secret (trailing newlines dropped; - reads stdin)')
    .option('--pem-file <file>', 'PKCS#8, PKCS#1 or SEC1 PEM private key (- reads stdin)')
    .option('--kid <kid>', 'key id (required with --secret-file; default for a PEM: derived by the server)')
    .addOption(new Option('--alg <alg>', 'check the imported key is of this algorithm').choices(ALGS))
    .option('--activate-at <time>', `when it starts signing (${timeHelp}; default now)`, time)
    .action(async (tenant: string, flags: ImportFlags, command: Command) => {
      const { client, out } = ctx.session(command)
      printCreated(out, 'imported', tenant, await client.request<KeyCreated>('POST', keysPath(tenant), { auth: 'admin', body: await importBody(flags, ctx) }))
    })

  keys.command('rotate')
    .description('schedule a new generated version, active at --at, published --prepublish seconds before')
    .argument('<tenant>', 'tenant id')
    .option('--at <time>', `when the new version starts signing (${timeHelp}; default now)`, time)
    .option('--prepublish <s>', 'seconds it is in the JWKS before it signs', integer(0))
    .option('--wait-for-verifiers', 'hold the activation while a verifier seen within VERIFIER_WINDOW lacks the new key')
    .option('--max-delay <s>', 'with --wait-for-verifiers: seconds the activation may be held at most (server default 86400)', integer(0))
    .action(async (tenant: string, flags: { at?: number | string, prepublish?: number, waitForVerifiers?: boolean, maxDelay?: number }, command: Command) => {
      const { client, out } = ctx.session(command)
      if (flags.maxDelay !== undefined && flags.waitForVerifiers !== true) throw new UsageError('--max-delay needs --wait-for-verifiers')
      const body: JsonObject = {}
      if (flags.at !== undefined) body.at = flags.at
      if (flags.prepublish !== undefined) body.prepublish = flags.prepublish
      if (flags.waitForVerifiers === true) body.waitForVerifiers = true
      if (flags.maxDelay !== undefined) body.maxDelay = flags.maxDelay
      const rotated = await client.request<KeyRotated>('POST', keysPath(tenant) + '/rotate', { auth: 'admin', body })
      const { key } = rotated
      out.result(rotated, () => {
        printKey(out, key.state === 'active' ? 'rotated to' : 'scheduled', tenant, key)
        out.line(key.state === 'active'
          ? `key ${key.kid} signs new tokens from now on${key.alg === 'HS256' ? ': give the platform that verifies them its secret (below)' : ''}`
          : key.activateBy === undefined
            ? `key ${key.kid} signs new tokens from ${key.activateAt}; the current key signs until then`
            : `key ${key.kid} signs new tokens from ${key.activateAt} once every verifier has it, by ${key.activateBy} at the latest`)
      })
      out.secret(`generated HS256 secret of key ${key.kid}`, 'secret', rotated.secret)
      out.warnings(rotated.warnings)
    })

  keys.command('public')
    .description('print the public key of an asymmetric key version as SPKI PEM (for platforms that take a key, not a JWKS URL)')
    .argument('<tenant>', 'tenant id')
    .argument('<kid>', 'key id')
    // A kid may begin with "-" (a base64url thumbprint): it is the argument, not an option.
    .allowUnknownOption()
    .action(async (tenant: string, kid: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const list = await client.request<KeyList>('GET', keysPath(tenant), { auth: 'admin' })
      const key = list.items.find(version => version.kid === kid)
      if (key === undefined) throw new Error(`${tenant} has no key ${kid} (see: tokenmint keys list ${tenant})`)
      if (key.publicKeyPem === undefined) throw new Error(`key ${kid} is ${key.alg}: a shared secret has no public key`)
      const pem = key.publicKeyPem
      out.result({ kid: key.kid, alg: key.alg, publicKeyPem: pem }, () => out.line(pem.trimEnd()))
    })

  keys.command('revoke')
    .description('revoke a key version at once: it leaves the JWKS and never signs again')
    .argument('<tenant>', 'tenant id')
    .argument('<kid>', 'key id')
    .allowUnknownOption()
    .action(async (tenant: string, kid: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const answer = await client.request<KeyRevoked>('POST', keysPath(tenant) + path(kid, 'revoke'), { auth: 'admin' })
      out.result(answer, () => {
        out.line(`revoked key ${answer.key.kid} of ${tenant} at ${answer.key.revokedAt ?? '-'}`)
        out.line(answer.activeKid === null
          ? 'no active key left: issuing answers 409 until one is generated or imported'
          : `active key now: ${answer.activeKid}`)
      })
    })
}
