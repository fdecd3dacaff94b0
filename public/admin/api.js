// The admin API client: fetch with the operator's bearer token; problem+json answers become ApiError.

const TOKEN_KEY = 'tokenmint.adminToken'

export const session = {
  get token () { return sessionStorage.getItem(TOKEN_KEY) },
  set (token) { sessionStorage.setItem(TOKEN_KEY, token) },
  clear () { sessionStorage.removeItem(TOKEN_KEY) }
}

/** An error answer of the API, carrying its RFC 9457 problem details. */
export class ApiError extends Error {
  constructor (status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }
}

const seg = (value) => encodeURIComponent(value)

/**
 * Calls the admin API. `token` defaults to the session's. Resolves with the parsed JSON body
 * (null for 204), or rejects with an ApiError.
 */
export async function request (method, path, body, token = session.token) {
  const headers = { accept: 'application/json, application/problem+json' }
  if (token !== null && token !== undefined) headers.authorization = `Bearer ${token}`
  const init = { method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' }
  if (body !== undefined) {
    headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let res
  try {
    res = await fetch(`/v1/admin${path}`, init)
  } catch (err) {
    throw new ApiError(0, { title: 'Network error', detail: `the service did not answer (${err.message})`, code: 'NETWORK' })
  }
  if (res.status === 204) return null
  const text = await res.text()
  let parsed = null
  try {
    parsed = text === '' ? null : JSON.parse(text)
  } catch {
    parsed = null
  }
  if (!res.ok) {
    const problem = parsed !== null && typeof parsed === 'object' ? parsed : { title: res.statusText, detail: text.slice(0, 300) }
    throw new ApiError(res.status, { status: res.status, ...problem })
  }
  return parsed
}

/** The admin routes the dashboard uses. */
export const api = {
  listTenants: (cursor, limit = 50, token) =>
    request('GET', `/tenants?limit=${limit}${cursor ? `&cursor=${seg(cursor)}` : ''}`, undefined, token),
  getTenant: (id) => request('GET', `/tenants/${seg(id)}`),
  createTenant: (body) => request('POST', '/tenants', body),
  deleteTenant: (id) => request('DELETE', `/tenants/${seg(id)}`),
  listKeys: (id) => request('GET', `/tenants/${seg(id)}/keys`),
  addKey: (id, body) => request('POST', `/tenants/${seg(id)}/keys`, body),
  rotate: (id, body) => request('POST', `/tenants/${seg(id)}/keys/rotate`, body),
  revoke: (id, kid) => request('POST', `/tenants/${seg(id)}/keys/${seg(kid)}/revoke`),
  setRotation: (id, body) => request('PUT', `/tenants/${seg(id)}/rotation`, body),
  clearRotation: (id) => request('DELETE', `/tenants/${seg(id)}/rotation`),
  listApiKeys: (id) => request('GET', `/tenants/${seg(id)}/api-keys`),
  createApiKey: (id, name) => request('POST', `/tenants/${seg(id)}/api-keys`, { name }),
  deleteApiKey: (id, keyId) => request('DELETE', `/tenants/${seg(id)}/api-keys/${seg(keyId)}`),
  listVerifiers: (id, limit = 100) => request('GET', `/tenants/${seg(id)}/verifiers?limit=${limit}`),
  audit: (tenant, limit = 100) =>
    request('GET', `/audit?limit=${limit}${tenant ? `&tenant=${seg(tenant)}` : ''}`),
  listWebhooks: () => request('GET', '/webhooks'),
  testWebhook: (id) => request('POST', `/webhooks/${seg(id)}/test`),
  deliveries: (id, limit = 20) => request('GET', `/webhooks/${seg(id)}/deliveries?limit=${limit}`),
  retryDelivery: (id, deliveryId) => request('POST', `/webhooks/${seg(id)}/deliveries/${seg(deliveryId)}/retry`)
}
