// Turns a presented admin credential (ADMIN_TOKEN or tmo_<id>_<secret>) into the principal it stands for.
import { constantTimeEqual, safeEqual } from '../api-keys.js'
import type { Store } from '../store/store.js'
import type { Clock } from '../types.js'
import { ROOT, type Principal } from './authorize.js'
import { credentialValid, parseCredential, type CredentialRecord } from './credentials.js'
import { rootBinding } from './session-service.js'
import type { SessionRecord } from './sessions.js'

/** lastUsedAt is written at most this often per credential and instance. */
export const TOUCH_INTERVAL_MS = 60_000

export interface AuthenticatorOptions {
  store: Store
  adminToken: string
  clock: Clock
  /** How long a record read from the store is trusted without a change notice (CACHE_TTL_MS). */
  ttlMs: number
  /** Told of a lastUsedAt write that failed (it is never retried: the next use writes it). */
  onTouchError: (err: unknown) => void
}

interface Cached<T> {
  record: T
  readAt: number
}

/**
 * Credentials and sessions are read from the store once and kept until a change notice for tenant '' (every
 * credential or session deletion sends one, on every instance) or the TTL: a deleted credential is refused
 * everywhere as soon as the notice arrives. Records that do not exist are not kept, so unknown ids cannot fill
 * the cache (failed sign-ins are limited instead). A read that started before a notice is not cached.
 */
export class Authenticator {
  private readonly store: Store
  private readonly adminToken: string
  private readonly clock: Clock
  private readonly ttlMs: number
  private readonly onTouchError: (err: unknown) => void
  private readonly credentials = new Map<string, Cached<CredentialRecord>>()
  private readonly sessions = new Map<string, Cached<SessionRecord>>()
  private readonly touched = new Map<string, number>()
  private generation = 0
  private readonly unsubscribe: () => void
  private readonly rootBinding: string

  constructor (options: AuthenticatorOptions) {
    this.store = options.store
    this.adminToken = options.adminToken
    this.clock = options.clock
    this.ttlMs = options.ttlMs
    this.onTouchError = options.onTouchError
    this.rootBinding = rootBinding(options.adminToken)
    this.unsubscribe = this.store.onChange(tenant => {
      if (tenant === '' || tenant === '*') this.forget()
    })
  }

  /** The principal of a bearer token, or undefined when it is no valid credential. */
  async principal (token: string): Promise<Principal | undefined> {
    const parsed = parseCredential(token)
    if (parsed === undefined) {
      // Security: compared in constant time (SHA-256 digests of both sides); never with ===.
      return safeEqual(token, this.adminToken) ? ROOT : undefined
    }
    const record = await this.credential(parsed.id)
    const now = this.clock()
    if (record === undefined || !credentialValid(record, parsed.secret, now)) return undefined
    this.touch(record.id, now)
    return { id: record.id, name: record.name, role: record.role, tenants: record.tenants, credentialId: record.id }
  }

  /** A stored credential that exists and has not expired, from the cache when it can. */
  async liveCredential (id: string): Promise<CredentialRecord | undefined> {
    const record = await this.credential(id)
    if (record === undefined || (record.expiresAt !== null && this.clock() >= record.expiresAt)) return undefined
    return record
  }

  /** A session that exists, has not expired, and whose credential (if any) still does. */
  async session (id: string): Promise<SessionRecord | undefined> {
    const record = await this.cached(this.sessions, id, async () => await this.store.getSession(id))
    if (record === undefined || this.clock() >= record.expiresAt) return undefined
    if (record.root !== undefined && !constantTimeEqual(record.root, this.rootBinding)) return undefined
    const credentialId = record.principal.credentialId
    if (credentialId !== undefined && await this.liveCredential(credentialId) === undefined) return undefined
    return record
  }

  /** Forgets every cached record (a change notice for tenant '', or '*'). */
  forget (): void {
    this.generation++
    this.credentials.clear()
    this.sessions.clear()
  }

  close (): void {
    this.unsubscribe()
  }

  private async credential (id: string): Promise<CredentialRecord | undefined> {
    return await this.cached(this.credentials, id, async () => await this.store.getCredential(id))
  }

  private async cached<T> (cache: Map<string, Cached<T>>, id: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const hit = cache.get(id)
    const now = this.clock()
    if (hit !== undefined && now - hit.readAt < this.ttlMs) return hit.record
    const generation = this.generation
    const record = await read()
    if (record === undefined) cache.delete(id)
    else if (generation === this.generation) cache.set(id, { record, readAt: now })
    return record
  }

  /** Off the request path: the write is not awaited, and made at most once a minute per credential. */
  private touch (id: string, now: number): void {
    const last = this.touched.get(id)
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return
    this.touched.set(id, now)
    this.store.touchCredential(id, now).catch(this.onTouchError)
  }
}
