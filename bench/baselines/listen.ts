// Shared start-up helpers for the baseline servers: port from argv/env, loopback bind, one "listening <port>" line.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

/** Port from the first numeric argument, else PORT, else 0 (ephemeral). */
export function portFromArgs (argv: readonly string[] = process.argv.slice(2)): number {
  const arg = argv.find(a => /^\d+$/.test(a))
  const raw = arg ?? process.env.PORT ?? '0'
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${raw}`)
  return port
}

/** First non-numeric argument (an algorithm name), upper-cased, or the fallback. */
export function algFromArgs (fallback: string, argv: readonly string[] = process.argv.slice(2)): string {
  const arg = argv.find(a => !/^\d+$/.test(a))
  return (arg ?? process.env.ALG ?? fallback).toUpperCase()
}

/** Prints the line the bench runner waits for; the port is read back from the bound socket. */
export function announce (server: Server): void {
  const address = server.address() as AddressInfo
  process.stdout.write(`listening ${address.port}\n`)
}

/** Exits cleanly on SIGTERM/SIGINT after closing the server. */
export function closeOnSignal (close: () => Promise<unknown> | void): void {
  const stop = (): void => {
    Promise.resolve(close()).finally(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

export const HOST = '127.0.0.1'

/** Body schema shared by the issuer baselines: the smooch profile's request body. */
export const issueBodySchema = {
  type: 'object',
  required: ['userId'],
  additionalProperties: false,
  properties: {
    userId: { type: 'string', minLength: 1, maxLength: 255 },
    ttl: { type: 'integer', minimum: 60, maximum: 86400 }
  }
} as const

/** Response schema shared by the fastify issuer baselines (same fields as tokenmint's 201). */
export const issueResponseSchema = {
  201: {
    type: 'object',
    required: ['token', 'tokenType', 'alg', 'kid', 'issuedAt', 'expiresAt'],
    properties: {
      token: { type: 'string' },
      tokenType: { type: 'string' },
      alg: { type: 'string' },
      kid: { type: 'string' },
      issuedAt: { type: 'integer' },
      expiresAt: { type: 'integer' }
    }
  }
} as const

/** Ajv options matching a strict API: no coercion (a number userId is a 400), no silent removal. */
export const strictAjv = { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } } as const

export const DEFAULT_TTL = 3600
