// Test helper: scoped credentials made through the admin routes, and requests made with them.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Role } from '../../src/access/actions.js'
import { adminHeaders } from './tenants.js'

export interface MadeCredential {
  id: string
  token: string
  body: Record<string, any>
}

/** Creates a credential with ADMIN_TOKEN; fails loudly if the server refuses. */
export async function createCredential (app: FastifyInstance, role: Role, tenants?: string[], extra: Record<string, unknown> = {}): Promise<MadeCredential> {
  const payload = { name: `${role} credential`, role, ...(tenants === undefined ? {} : { tenants }), ...extra }
  const res = await app.inject({ method: 'POST', url: '/v1/admin/credentials', headers: adminHeaders, payload })
  if (res.statusCode !== 201) throw new Error(`credential creation failed: ${res.statusCode} ${res.body}`)
  const body = res.json()
  return { id: body.id, token: body.token, body }
}

/** A request with `Authorization: Bearer <token>`. */
export async function requestAs (app: FastifyInstance, token: string, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${token}`, ...headers },
    ...(payload === undefined ? {} : { payload: payload as object })
  })
}
