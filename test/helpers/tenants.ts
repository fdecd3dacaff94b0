// Test helper: creates tenants and API keys through the admin routes.
import type { FastifyInstance } from 'fastify'
import { ADMIN_TOKEN } from './build.js'

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` }

export interface CreatedTenant {
  id: string
  apiKey: string
  initialSecret?: string
  body: Record<string, any>
}

/** Creates a tenant (and an API key for it); fails loudly if the server refuses. */
export async function createTenant (app: FastifyInstance, tenant: Record<string, unknown>): Promise<CreatedTenant> {
  const res = await app.inject({ method: 'POST', url: '/v1/admin/tenants', headers: adminHeaders, payload: { name: String(tenant.id), ...tenant } })
  if (res.statusCode !== 201) throw new Error(`tenant creation failed: ${res.statusCode} ${res.body}`)
  const body = res.json()
  const apiKey = await createApiKey(app, String(tenant.id))
  return { id: String(tenant.id), apiKey, initialSecret: body.initialSecret, body }
}

export async function createApiKey (app: FastifyInstance, tenant: string, name = 'backend'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/v1/admin/tenants/${tenant}/api-keys`, headers: adminHeaders, payload: { name } })
  if (res.statusCode !== 201) throw new Error(`API key creation failed: ${res.statusCode} ${res.body}`)
  return res.json().apiKey
}

export async function issue (app: FastifyInstance, tenant: string, apiKey: string, payload: unknown) {
  return await app.inject({ method: 'POST', url: `/v1/tenants/${tenant}/tokens`, headers: { authorization: `Bearer ${apiKey}` }, payload: payload as object })
}

/** Decodes a JWT header without verifying it. */
export function decodeHeader (token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())
}
