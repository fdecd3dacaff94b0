// Fastify's serverFactory with a pre-router: a few hot public GETs are answered from the Node request listener, before Fastify routes them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { FastifyServerFactory } from 'fastify'

/** Answers the request and returns true, or returns false (having written nothing) to leave it to Fastify. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean

/** The server settings Fastify applies to the server it makes itself (lib/server.js), with its defaults already in. */
interface ServerSettings {
  http?: object
  keepAliveTimeout?: number
  requestTimeout?: number
  connectionTimeout?: number
  maxRequestsPerSocket?: number
}

/**
 * For every request Fastify makes a request and a reply object, a child logger and response listeners, and runs the
 * app's hooks: several times the work of sending a precomputed body such as a cached tenant's JWKS. A fast path
 * registered here sees each request first and answers only those it can answer exactly as its Fastify route would
 * (same status, headers and body, the same request metric); everything else, and every request once the app starts
 * closing, goes to Fastify. Fast paths bypass Fastify's hooks and request logging: they are for public responses no
 * hook changes, and the app installs the pre-router only at log levels that do not log requests.
 */
export class PreRouter {
  private readonly paths: FastPath[] = []
  private open = true

  add (path: FastPath): void {
    this.paths.push(path)
  }

  /** From now on Fastify answers every request (its 503 and `Connection: close` while closing apply to all). */
  close (): void {
    this.open = false
  }

  /** For Fastify's `serverFactory` option: an HTTP/1 server set up as Fastify sets up its own. */
  readonly serverFactory: FastifyServerFactory = (handler, options) => {
    const settings = options as ServerSettings
    const server: Server = createServer(settings.http ?? {}, (request, response) => {
      if (this.open) {
        try {
          for (const path of this.paths) {
            if (path(request, response)) return
          }
        } catch (err) {
          // A fast path that fails before answering leaves the request to Fastify; one that fails midway ends it.
          if (response.headersSent) {
            response.destroy(err as Error)
            return
          }
        }
      }
      handler(request, response)
    })
    if (settings.keepAliveTimeout !== undefined) server.keepAliveTimeout = settings.keepAliveTimeout
    if (settings.requestTimeout !== undefined) server.requestTimeout = settings.requestTimeout
    server.setTimeout(settings.connectionTimeout ?? 0)
    if (settings.maxRequestsPerSocket !== undefined && settings.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = settings.maxRequestsPerSocket
    return server
  }
}
