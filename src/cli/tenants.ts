// `tokenmint tenants`: list, create, show and delete tenants.
import { createInterface } from 'node:readline/promises'
import { Option, type Command } from 'commander'
import { TENANT_ID_PATTERN } from '../schemas/common.js'
import type { TenantAnswer, TenantList, TenantView } from '../schemas/tenant.js'
import { ALGS, PROFILE_NAMES } from '../types.js'
import type { CliContext } from './context.js'
import { UsageError } from './errors.js'
import { path } from './http-client.js'
import { collectAssignments, integer, readJsonObject, timeWindow, type JsonObject } from './input.js'
import type { Output } from './output.js'

interface CreateFlags {
  profile: string
  name?: string
  alg?: string
  option?: JsonObject
  ttlDefault?: number
  ttlMin?: number
  ttlMax?: number
  clockSkew?: number
  rateLimit?: number
  rateWindow?: number | string
  claimsSchema?: string
  staticClaims?: string
  generateKey: boolean
}

const compact = (value: unknown): string | undefined => value === undefined ? undefined : JSON.stringify(value)

export function printTenant (out: Output, tenant: TenantView): void {
  const { tokenPolicy: policy, rateLimit, rotation } = tenant
  out.fields([
    ['id', tenant.id],
    ['name', tenant.name],
    ['profile', tenant.profile],
    ['alg', tenant.alg],
    ['active kid', tenant.activeKid ?? 'none (issuing answers 409 until a key is active)'],
    ['profile options', Object.keys(tenant.profileOptions).length === 0 ? undefined : compact(tenant.profileOptions)],
    ['token ttl', `default ${policy.defaultTtl} s, min ${policy.minTtl} s, max ${policy.maxTtl} s, clock skew ${policy.clockSkew} s`],
    ['rate limit', `${rateLimit.max} per ${typeof rateLimit.timeWindow === 'number' ? `${rateLimit.timeWindow} ms` : rateLimit.timeWindow}`],
    ['rotation', rotation === undefined ? 'none' : `every ${rotation.every} s, prepublish ${rotation.prepublish} s (since ${rotation.since})`],
    ['static claims', compact(tenant.staticClaims)],
    ['claims schema', compact(tenant.claimsSchema)],
    ['created', tenant.createdAt],
    ['updated', tenant.updatedAt]
  ])
}

async function createBody (id: string, flags: CreateFlags, ctx: CliContext): Promise<JsonObject> {
  const body: JsonObject = { id, name: flags.name ?? id, profile: flags.profile }
  if (flags.alg !== undefined) body.alg = flags.alg
  if (flags.option !== undefined) body.profileOptions = flags.option
  const tokenPolicy: JsonObject = {}
  if (flags.ttlDefault !== undefined) tokenPolicy.defaultTtl = flags.ttlDefault
  if (flags.ttlMin !== undefined) tokenPolicy.minTtl = flags.ttlMin
  if (flags.ttlMax !== undefined) tokenPolicy.maxTtl = flags.ttlMax
  if (flags.clockSkew !== undefined) tokenPolicy.clockSkew = flags.clockSkew
  if (Object.keys(tokenPolicy).length > 0) body.tokenPolicy = tokenPolicy
  if (flags.rateWindow !== undefined && flags.rateLimit === undefined) throw new UsageError('--rate-window needs --rate-limit')
  if (flags.rateLimit !== undefined) body.rateLimit = { max: flags.rateLimit, timeWindow: flags.rateWindow ?? '1 minute' }
  if (flags.claimsSchema !== undefined) body.claimsSchema = await readJsonObject(flags.claimsSchema, ctx.io.stdin)
  if (flags.staticClaims !== undefined) body.staticClaims = await readJsonObject(flags.staticClaims, ctx.io.stdin)
  if (!flags.generateKey) body.generateKey = false
  return body
}

/** Asks on a terminal; refuses when there is none to ask on. */
async function confirmDelete (id: string, ctx: CliContext): Promise<boolean> {
  const { stdin } = ctx.io
  if (stdin?.isTTY !== true) throw new UsageError(`refusing to delete tenant ${id} without --yes (no terminal to confirm on)`)
  const rl = createInterface({ input: stdin, output: ctx.io.stdout as NodeJS.WritableStream })
  try {
    const answer = await rl.question(`Delete tenant ${id} with its keys and API keys? Its tokens stop verifying. Type the tenant id to confirm: `)
    return answer.trim() === id
  } finally {
    rl.close()
  }
}

export function registerTenants (program: Command, ctx: CliContext): void {
  const tenants = program.command('tenants').description('create, list, show and delete tenants')

  tenants.command('list')
    .description('list tenants by id')
    .option('--cursor <cursor>', 'start after this cursor (printed at the end of a page)')
    .option('--limit <n>', 'tenants per page (1-200, server default 50)', integer(1))
    .action(async (flags: { cursor?: string, limit?: number }, command: Command) => {
      const { client, out } = ctx.session(command)
      const page = await client.request<TenantList>('GET', '/v1/admin/tenants', { auth: 'admin', query: { cursor: flags.cursor, limit: flags.limit } })
      out.result(page, () => {
        // The list carries tenant records only (no active key: see tenants show).
        out.table(['id', 'name', 'profile', 'alg', 'rotation', 'created'],
          page.items.map(t => [t.id, t.name, t.profile, t.alg, t.rotation === undefined ? undefined : `every ${t.rotation.every} s`, t.createdAt]), 'no tenants')
        if (page.nextCursor !== null) out.line(`more: tokenmint tenants list --cursor ${page.nextCursor}`)
      })
    })

  tenants.command('create')
    .description('create a tenant; its first key is generated unless --no-generate-key (an HS256 secret is shown once)')
    .argument('<id>', `tenant slug: ${TENANT_ID_PATTERN}`)
    .addOption(new Option('--profile <profile>', 'the platform the tokens are shaped for').choices(PROFILE_NAMES).makeOptionMandatory())
    .option('--name <name>', 'display name (default: the id)')
    .addOption(new Option('--alg <alg>', 'signing algorithm (default: the profile\'s)').choices(ALGS))
    .option('--option <key=value>', 'profile option, repeatable (key:=json for a non-string value), e.g. projectId=abc, jti:=true', collectAssignments)
    .option('--ttl-default <s>', 'default token lifetime, seconds', integer(1))
    .option('--ttl-min <s>', 'shortest lifetime a request may ask for, seconds', integer(1))
    .option('--ttl-max <s>', 'longest lifetime a request may ask for, seconds', integer(1))
    .option('--clock-skew <s>', 'clock skew verifiers tolerate, seconds', integer(0))
    .option('--rate-limit <n>', 'token requests per window', integer(1))
    .option('--rate-window <w>', 'rate-limit window: milliseconds or a duration such as "1 minute" (default "1 minute")', timeWindow)
    .option('--claims-schema <file.json>', 'JSON Schema (draft 2020-12) of request claims (custom profile); - reads stdin')
    .option('--static-claims <file.json>', 'claims added to every token (custom profile); - reads stdin')
    .option('--no-generate-key', 'create no key (import one later with keys import)')
    .action(async (id: string, flags: CreateFlags, command: Command) => {
      const { client, out } = ctx.session(command)
      const created = await client.request<TenantAnswer>('POST', '/v1/admin/tenants', { auth: 'admin', body: await createBody(id, flags, ctx) })
      out.result(created, () => {
        out.line(`created tenant ${created.id}`)
        printTenant(out, created)
      })
      out.secret(`initial ${created.alg} secret of ${created.id}`, 'initialSecret', created.initialSecret)
      out.warnings(created.warnings)
    })

  tenants.command('show')
    .description('show a tenant')
    .argument('<id>', 'tenant id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const tenant = await client.request<TenantView>('GET', '/v1/admin/tenants' + path(id), { auth: 'admin' })
      out.result(tenant, () => printTenant(out, tenant))
    })

  tenants.command('delete')
    .description('delete a tenant with its keys and API keys (its tokens stop verifying)')
    .argument('<id>', 'tenant id')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .action(async (id: string, flags: { yes?: boolean }, command: Command) => {
      const { client, out } = ctx.session(command)
      if (flags.yes !== true && !await confirmDelete(id, ctx)) throw new UsageError(`not deleted: the answer was not ${id}`)
      await client.request('DELETE', '/v1/admin/tenants' + path(id), { auth: 'admin' })
      out.result(undefined, () => out.line(`deleted tenant ${id}`))
    })
}
