// The server's logger options: JSON lines, redacted; in embedded dev mode on a terminal, human-readable lines through pino-pretty.
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'
import type { Config } from '../../src/config.js'
import { REDACT } from '../app.js'

const require = createRequire(import.meta.url)

/** The path of pino-pretty, or undefined when it is not installed (`npm install --omit=dev`, the Docker image). */
export function resolvePinoPretty (): string | undefined {
  try {
    return require.resolve('pino-pretty')
  } catch {
    return undefined
  }
}

/**
 * JSON everywhere a machine reads the logs. Only embedded dev mode (`npm start` without REDIS_URL) on a terminal
 * gets pino-pretty, a devDependency: `npm install` installs it, a production install does not, and then the
 * logs stay JSON. Redaction runs before the transport either way. `pinoPretty`: resolvePinoPretty().
 */
export function loggerOptions (config: Config, terminal: boolean, pinoPretty: string | undefined): FastifyServerOptions['logger'] {
  const base = { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } }
  if (!config.embedded || !terminal || pinoPretty === undefined) return base
  return { ...base, transport: { target: pinoPretty, options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true } } }
}
