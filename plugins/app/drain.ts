// The server's response class: every answer says `nosniff`, and once the app starts closing, `Connection: close`.
import { ServerResponse, type OutgoingHttpHeaders } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface ServerResponses {
  /** The class Node's HTTP server builds each response with: Fastify's `http: { ServerResponse }` option. */
  readonly ServerResponse: typeof ServerResponse
  /** From now on, every response ends its connection. */
  drain: () => void
}

/**
 * Two headers every response of the server carries, set where Node writes the head rather than in a Fastify hook,
 * so they cost no hook pass on any route (the hot ones have none of their own): `x-content-type-options: nosniff`
 * (browsers must not guess a type; 404s, errors and Fastify's own answers included), and while draining
 * `connection: close`. Requests in flight when close() begins still complete; their responses now end the
 * connection, so a keep-alive client opens a new one for its next request (refused: the listener is closed, safe
 * to retry elsewhere) instead of writing it onto a socket the server is closing, which it would see reset.
 *
 * Fastify passes its headers as an object, so they are added to it (Node's fast path); a head written without
 * one (an implicit head) gets them with setHeader. `inject()` uses its own response class, so these two headers
 * are seen only over a real connection. One class per app: closing one app drains only its own responses.
 */
export function serverResponses (): ServerResponses {
  let draining = false
  class TokenmintResponse extends ServerResponse {
    override writeHead (statusCode: number, reasonOrHeaders?: unknown, headers?: unknown): this {
      const object = typeof reasonOrHeaders === 'string' || reasonOrHeaders === undefined ? headers : reasonOrHeaders
      if (typeof object === 'object' && object !== null && !Array.isArray(object)) {
        const fields = object as OutgoingHttpHeaders
        fields['x-content-type-options'] ??= 'nosniff'
        if (draining) fields.connection = 'close'
      } else {
        if (!this.hasHeader('x-content-type-options')) this.setHeader('x-content-type-options', 'nosniff')
        if (draining) this.setHeader('connection', 'close')
      }
      return super.writeHead(statusCode, reasonOrHeaders as string, headers as OutgoingHttpHeaders)
    }
  }
  // Node's generic signature (a response for any request subtype) is wider than a subclass can say.
  return { ServerResponse: TokenmintResponse as typeof ServerResponse, drain: () => { draining = true } }
}

/** Starts the drain when the app starts closing. */
export default fp(async function drain (app: FastifyInstance, options: { responses: ServerResponses }) {
  app.addHook('preClose', async () => { options.responses.drain() })
}, { name: 'drain' })
