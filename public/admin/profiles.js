// The built-in profiles as the server describes them (GET /admin/profiles.json), fetched once per page.
import { ApiError } from './api.js'

let loading = null

/**
 * Resolves with the profiles, in the server's order: each with name, title, description, algs (the first is
 * the default), options (the profileOptions fields), tenantClaims and example. A failed load is tried again next time.
 */
export function loadProfiles () {
  loading ??= fetch('/admin/profiles.json', { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' })
    .then(async res => {
      if (!res.ok) throw new ApiError(res.status, { status: res.status, title: 'Profiles not loaded', detail: `GET /admin/profiles.json answered ${res.status}` })
      return (await res.json()).profiles
    }, err => {
      throw new ApiError(0, { title: 'Network error', detail: `the service did not answer (${err.message})`, code: 'NETWORK' })
    })
  loading.catch(() => { loading = null })
  return loading
}
