// Who made an admin change, as the audit log records it: the request's principal (root, a credential, a single-sign-on user) and the client address.
import type { FastifyRequest } from 'fastify'
import type { Actor } from '../../../src/admin-service.js'

export function actorOf (request: FastifyRequest): Actor {
  return { actor: request.principal.id, actorName: request.principal.name, ip: request.ip }
}
