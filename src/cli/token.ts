// `tokenmint token`: try a tenant out as its backend would: issue a token with an API key, or check one.
import type { Command } from 'commander'
import type { IssuedToken } from '../tenant-runtime.js'
import type { VerifyResult } from '../tokens/verify.js'
import type { CliContext } from './context.js'
import { ExitCode } from './errors.js'
import { path } from './http-client.js'
import { collectAssignments, integer, jsonObject, type JsonObject } from './input.js'
import { ENV_VARS } from './options.js'

const tokensPath = (tenant: string): string => '/v1/tenants' + path(tenant, 'tokens')
const apiKeyHelp = `tenant API key tm_... (default: ${ENV_VARS.apiKey})`

/** Decodes one part of a compact JWS without verifying it. */
export function decodePart (token: string, index: 0 | 1): JsonObject | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

const when = (unixSeconds: number): string => `${new Date(unixSeconds * 1000).toISOString()} (${unixSeconds})`

export function registerToken (program: Command, ctx: CliContext): void {
  const token = program.command('token').description('issue or verify a token as a tenant\'s backend would (API key auth)')

  token.command('issue')
    .description('issue a token; request fields come from --claims and --claim (see the profile\'s fields in the README)')
    .argument('<tenant>', 'tenant id')
    .option('--api-key <key>', apiKeyHelp)
    .option('--claims <json>', 'request body fields as a JSON object, e.g. \'{"userId":"u1"}\'', jsonObject('--claims'))
    .option('--claim <key=value>', 'one request field, repeatable (key:=json for a non-string value)', collectAssignments)
    .option('--ttl <s>', 'token lifetime in seconds (within the tenant\'s bounds)', integer(1))
    .action(async (tenant: string, flags: { claims?: JsonObject, claim?: JsonObject, ttl?: number }, command: Command) => {
      const { client, out } = ctx.session(command)
      const body: JsonObject = { ...flags.claims, ...flags.claim }
      if (flags.ttl !== undefined) body.ttl = flags.ttl
      const issued = await client.request<IssuedToken>('POST', tokensPath(tenant), { auth: 'api-key', body })
      out.result(issued, () => {
        out.line(issued.token)
        out.line()
        out.fields([
          ['alg', issued.alg],
          ['kid', issued.kid],
          ['issued at', when(issued.issuedAt)],
          ['expires at', when(issued.expiresAt)],
          ['header', JSON.stringify(decodePart(issued.token, 0))],
          ['claims', JSON.stringify(decodePart(issued.token, 1))]
        ])
      })
    })

  token.command('verify')
    .description('check a token as the tenant\'s platform would; exit 1 when it is not valid')
    .argument('<tenant>', 'tenant id')
    .argument('<token>', 'the compact JWT')
    .option('--api-key <key>', apiKeyHelp)
    .action(async (tenant: string, jwt: string, _flags: unknown, command: Command) => {
      const { client, out } = ctx.session(command)
      const verdict = await client.request<VerifyResult>('POST', tokensPath(tenant) + '/verify', { auth: 'api-key', body: { token: jwt } })
      out.result(verdict, () => {
        out.line(verdict.valid ? 'valid' : 'not valid')
        for (const reason of verdict.reasons) out.line(`  - ${reason}`)
        if (verdict.header !== null) out.line(`header: ${JSON.stringify(verdict.header)}`)
        if (verdict.claims !== null) out.line(`claims: ${JSON.stringify(verdict.claims)}`)
      })
      if (!verdict.valid) throw new ExitCode(1)
    })
}
