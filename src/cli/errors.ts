// Errors of the CLI: usage mistakes (exit 2), answers of the server that are not 2xx and unreachable servers (exit 1).
import type { ProblemDetails } from '../schemas/common.js'

/** The RFC 9457 problem details tokenmint answers with, as far as an answer that is not 2xx carries them. */
export type Problem = Partial<ProblemDetails>

/** Bad flags or arguments, or local input that cannot be read: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** The server answered with a status outside 2xx. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor (readonly status: number, readonly statusText: string, readonly problem: Problem | undefined, readonly body: string) {
    super(`${status} ${problem?.code ?? statusText}`)
  }
}

/** The server could not be reached (refused, DNS, TLS, timeout). */
export class UnreachableError extends Error {
  override name = 'UnreachableError'
  constructor (readonly url: string, readonly reason: string) {
    super(`cannot reach tokenmint at ${url} (${reason})`)
  }
}

/** Ends the command with this exit code after it printed its own explanation (e.g. a token that does not verify). */
export class ExitCode extends Error {
  override name = 'ExitCode'
  constructor (readonly code: number) {
    super(`exit code ${code}`)
  }
}
