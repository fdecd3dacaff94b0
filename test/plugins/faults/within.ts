// Test helper for the fault tests: waits, woken by the store's change notices, until a condition holds or a deadline passes.
import type { FastifyInstance } from 'fastify'

/**
 * Resolves true as soon as `check()` holds, checking at once and again after each change notice the app hears for
 * `tenant` (or '*'); resolves false if it still does not hold `ms` after the call. No polling: only notices wake it.
 */
export async function within (app: FastifyInstance, tenant: string, ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = performance.now() + ms
  let wake: () => void = () => {}
  const unsubscribe = app.tokenmint.store.onChange(tenantId => { if (tenantId === tenant || tenantId === '*') wake() })
  try {
    for (;;) {
      // Armed before the check, so a notice that arrives while checking is not missed.
      const notified = new Promise<void>(resolve => { wake = resolve })
      if (await check()) return true
      const remaining = deadline - performance.now()
      if (remaining <= 0) return false
      let timer: NodeJS.Timeout | undefined
      await Promise.race([notified, new Promise<void>(resolve => { timer = setTimeout(resolve, remaining) })])
      clearTimeout(timer)
    }
  } finally {
    unsubscribe()
  }
}
