// Test helper: what a verifier, an operator and a tenant backend each see of a tenant's keyring at one moment.
import type { FastifyInstance } from 'fastify'
import type { Store } from '../../src/store/store.js'
import { adminHeaders, issue } from './tenants.js'

/** A custom-profile ES256 tenant with 600 s tokens and no skew: its retiring window is 600 + 0 + JWKS max-age. */
export function es256Tenant (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    profile: 'custom',
    alg: 'ES256',
    claimsSchema: { type: 'object', properties: { sub: { type: 'string' } }, required: ['sub'], additionalProperties: false },
    tokenPolicy: { defaultTtl: 600, minTtl: 60, maxTtl: 600, clockSkew: 0 },
    ...extra
  }
}

/** kids in the tenant's JWKS (the public route), in order. */
export async function jwksKids (app: FastifyInstance, tenant: string): Promise<string[]> {
  const res = await app.inject(`/v1/tenants/${tenant}/jwks.json`)
  if (res.statusCode !== 200) throw new Error(`JWKS failed: ${res.statusCode} ${res.body}`)
  return (res.json().keys as Array<{ kid: string }>).map(key => key.kid)
}

export interface KeyListEntry {
  kid: string
  state: string
  published: boolean
  publishAt: string
  activateAt: string
  revokedAt?: string
  retiresAt?: string
}

/** The operator's key list, by kid. */
export async function keyList (app: FastifyInstance, tenant: string): Promise<Record<string, KeyListEntry>> {
  const res = await app.inject({ url: `/v1/admin/tenants/${tenant}/keys`, headers: adminHeaders })
  if (res.statusCode !== 200) throw new Error(`key list failed: ${res.statusCode} ${res.body}`)
  return Object.fromEntries((res.json().items as KeyListEntry[]).map(key => [key.kid, key]))
}

/** State of every key, by kid. */
export async function keyStates (app: FastifyInstance, tenant: string): Promise<Record<string, string>> {
  const list = await keyList(app, tenant)
  return Object.fromEntries(Object.values(list).map(key => [key.kid, key.state]))
}

/** The kid of a token issued now, or the problem code when issuing is refused. */
export async function signingKid (app: FastifyInstance, tenant: string, apiKey: string, body: unknown = { sub: 'u-1' }): Promise<string> {
  const res = await issue(app, tenant, apiKey, body)
  if (res.statusCode === 201) return res.json().kid
  return `${res.statusCode} ${String(res.json().code)}`
}

/** Resolves with the version of the next change notice `app` hears for `tenant`; rejects after `timeoutMs`. */
export async function nextChange (app: FastifyInstance, tenant: string, timeoutMs: number): Promise<number> {
  const store: Store = app.tokenmint.store
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`no change notice for ${tenant} within ${timeoutMs} ms`))
    }, timeoutMs)
    const unsubscribe = store.onChange((tenantId, version) => {
      if (tenantId !== tenant) return
      clearTimeout(timer)
      unsubscribe()
      resolve(version)
    })
  })
}
