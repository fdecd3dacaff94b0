// The admin API client: fetch with the dashboard session cookie (HttpOnly, set by the server) and its CSRF token;
// problem+json answers become ApiError. Nothing is kept in browser storage: the CSRF token and who is signed in live
// in this page's memory, and a reload asks the server again (GET /v1/admin/session).

/** Who is signed in (id, name, role, tenants) and the session's CSRF token; null when signed out. */
export const session = {
  current: null,
  /** Whether the signed-in role may create and delete tenants (the roles table; the server decides in any case). */
  can (action) {
    const role = this.current?.role
    if (action === 'tenants:create') return role === 'admin' || role === 'operator'
    return role !== undefined
  }
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

/** Calls the admin API with the session cookie. Resolves with the parsed JSON body (null for 204), or rejects with an ApiError. */
export async function request (method, path, body) {
  const headers = { accept: 'application/json, application/problem+json' }
  if (method !== 'GET' && session.current !== null) headers['x-csrf-token'] = session.current.csrfToken
  const init = { method, headers, cache: 'no-store', credentials: 'same-origin', referrerPolicy: 'no-referrer' }
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
  openSession: (token) => request('POST', '/session', { token }),
  currentSession: () => request('GET', '/session'),
  endSession: () => request('DELETE', '/session'),
  listCredentials: () => request('GET', '/credentials'),
  createCredential: (body) => request('POST', '/credentials', body),
  deleteCredential: (id) => request('DELETE', `/credentials/${seg(id)}`),
  listTenants: (cursor, limit = 50) =>
    request('GET', `/tenants?limit=${limit}${cursor ? `&cursor=${seg(cursor)}` : ''}`),
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
