// The tokenmint CLI: its commander program and run(), which maps every outcome to an exit code (0 ok, 1 server or network, 2 usage).
import { Command, CommanderError } from 'commander'
import { registerApiKeys } from './api-keys.js'
import { registerAudit } from './audit.js'
import { createContext, type CliIo } from './context.js'
import { registerCredentials } from './credentials.js'
import { ApiError, ExitCode, UnreachableError, UsageError } from './errors.js'
import { registerKeys } from './keys.js'
import { DEFAULT_URL, ENV_VARS } from './options.js'
import { formatApiError } from './output.js'
import { registerRotation } from './rotation.js'
import { registerTenants } from './tenants.js'
import { registerToken } from './token.js'
import { registerVerifiers } from './verifiers.js'
import { packageVersion } from './version.js'
import { registerWebhooks } from './webhooks.js'

export type { CliIo } from './context.js'

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

const environmentHelp = `
Environment:
  ${ENV_VARS.url}          server URL (default ${DEFAULT_URL})
  ${ENV_VARS.adminToken}  admin credential: ADMIN_TOKEN or a scoped tmo_<id>_<secret> (prefer it to --admin-token,
                         which other users can see in the process list)
  ${ENV_VARS.apiKey}      tenant API key for the token commands

Exit codes: 0 done, 1 the server refused (error: <status> <code>: <detail>) or could not be reached, 2 usage error.`

/** A fresh program: commander keeps parsed state on it, so one per run. */
export function buildProgram (io: CliIo): Command {
  const program = new Command('tokenmint')
    .description('Operate a tokenmint server: tenants, keys, API keys, rotation, and trying tokens out')
    .option('--url <url>', `server URL (default: ${ENV_VARS.url} or ${DEFAULT_URL})`)
    .option('--admin-token <token>', `admin token (default: ${ENV_VARS.adminToken})`)
    .option('--json', 'print the server\'s JSON instead of tables')
    .version(packageVersion(), '-V, --version', 'print the CLI\'s version')
    .configureOutput({ writeOut: text => io.stdout.write(text), writeErr: text => io.stderr.write(text) })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', environmentHelp)
  const ctx = createContext(io)
  registerTenants(program, ctx)
  registerKeys(program, ctx)
  registerApiKeys(program, ctx)
  registerRotation(program, ctx)
  registerToken(program, ctx)
  registerAudit(program, ctx)
  registerVerifiers(program, ctx)
  registerWebhooks(program, ctx)
  registerCredentials(program, ctx)
  return program
}

/** Reports an error on stderr and returns the exit code it stands for. */
function fail (err: unknown, io: CliIo): number {
  const say = (text: string): unknown => io.stderr.write(text + '\n')
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE // commander printed its message
  if (err instanceof ExitCode) return err.code
  if (err instanceof UsageError) {
    say(`error: ${err.message}`)
    return EXIT_USAGE
  }
  if (err instanceof ApiError) {
    formatApiError(err).forEach(say)
    if (err.status === 401) say(`hint: check ${ENV_VARS.adminToken} (admin commands) or ${ENV_VARS.apiKey} (token commands)`)
    return EXIT_FAILED
  }
  if (err instanceof UnreachableError) {
    say(`error: ${err.message}; check --url or ${ENV_VARS.url}`)
    return EXIT_FAILED
  }
  say(`error: ${err instanceof Error ? err.message : String(err)}`)
  return EXIT_FAILED
}

/** Runs the CLI on `argv` (without node and the script) and resolves with its exit code. */
export async function run (argv: string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' })
    return EXIT_OK
  } catch (err) {
    return fail(err, io)
  }
}
