// Who made an admin change, as the audit log records it: the admin token's holder and the client address.
import type { FastifyRequest } from 'fastify'
import type { Actor } from '../../../src/admin-service.js'

export function actorOf (request: FastifyRequest): Actor {
  return { actor: 'admin', ip: request.ip }
}
