// What every CLI command gets: the process streams and, per run, a client and an output built from the global flags.
import type { Command } from 'commander'
import { TokenmintClient } from './http-client.js'
import type { InputStream } from './input.js'
import { resolveConnection, type Env, type GlobalFlags } from './options.js'
import { Output, type Writer } from './output.js'

export interface CliIo {
  stdout: Writer
  stderr: Writer
  stdin?: InputStream
  /** Environment to read TOKENMINT_* from; the process environment when left out. */
  env?: Env
}

export interface Session {
  client: TokenmintClient
  out: Output
}

export interface CliContext {
  io: CliIo
  /** The client and output of the running command, from its global flags (--url, --admin-token, --json) and the environment. */
  session: (command: Command) => Session
}

export function createContext (io: CliIo): CliContext {
  return {
    io,
    session (command) {
      const flags = command.optsWithGlobals<GlobalFlags & { apiKey?: string }>()
      return {
        client: new TokenmintClient(resolveConnection(flags, io.env)),
        out: new Output(io.stdout, io.stderr, flags.json === true)
      }
    }
  }
}
