// The activation gate's worker: each tick looks at the tenants whose gated keys are due and writes their postponements and releases, once across instances.
import { PeriodicTask } from '../periodic-task.js'
import type { Store } from '../store/store.js'
import type { AuditEntry, Clock } from '../types.js'
import { gateStep, watched } from './propagation.js'
import { keyData, newEvent } from '../webhooks/events.js'

export interface ActivationGateOptions {
  store: Store
  clock: Clock
  /** VERIFIER_WINDOW in ms. */
  windowMs: number
  tickMs?: number
  batch?: number
  onError?: (err: unknown, tenantId?: string) => void
  /** A key was held (its activateAt moved to activateBy) by this instance. */
  onPostponed?: (tenantId: string, kid: string, activateBy: number) => void
  onReleased?: (tenantId: string, kid: string) => void
}

/** Every 500 ms by default: a release comes within 2 s of the verifiers' last fetch (flush up to 1 s behind, then one tick). */
export const GATE_TICK_MS = 500

/**
 * Each write is a compare-and-set on the key's activateAt (Store.moveActivation), so when several instances look at
 * the same key, exactly one postpones or releases it and writes its audit entry.
 */
export class ActivationGate {
  private readonly task: PeriodicTask

  constructor (private readonly options: ActivationGateOptions) {
    this.task = new PeriodicTask(async () => await this.run(), options.tickMs ?? GATE_TICK_MS, err => options.onError?.(err))
  }

  start (): void {
    this.task.start()
  }

  async stop (): Promise<void> {
    await this.task.stop()
  }

  /** Looks at every due tenant; resolves with how many keys this instance moved. Overlapping calls share one run. */
  async tick (): Promise<number> {
    return await this.task.tick()
  }

  private async run (): Promise<number> {
    const { store, clock, onError } = this.options
    let due: string[]
    try {
      due = await store.listDueGates(clock(), this.options.batch ?? 100)
    } catch (err) {
      onError?.(err)
      return 0
    }
    let moved = 0
    for (const tenantId of due) {
      try {
        moved += await this.look(tenantId)
      } catch (err) {
        onError?.(err, tenantId)
      }
    }
    return moved
  }

  private async look (tenantId: string): Promise<number> {
    const { store, clock, windowMs } = this.options
    const snapshot = await store.getSnapshot(tenantId)
    const keys = snapshot?.keys.filter(watched) ?? []
    if (keys.length === 0) {
      await store.setGateDue(tenantId, null)
      return 0
    }
    const now = clock()
    const verifiers = await store.getVerifiers(tenantId)
    const audit = (action: string, kid: string): AuditEntry => ({ at: now, actor: 'scheduler', action, tenant: tenantId, kid, ip: '' })
    let next = Infinity
    let moved = 0
    for (const key of keys) {
      const step = gateStep(key, verifiers, now, windowMs)
      if (step.action === 'wait') {
        next = Math.min(next, step.at)
        continue
      }
      const move = step.action === 'settle'
        ? { kid: key.kid, expectedActivateAt: key.activateAt, activateAt: key.activateAt, settledAt: now }
        : step.action === 'release'
          ? { kid: key.kid, expectedActivateAt: key.activateAt, activateAt: step.activateAt, settledAt: now }
          : { kid: key.kid, expectedActivateAt: key.activateAt, activateAt: step.activateAt }
      // A postponement tells the webhooks, in the same write: the key's new plan and its deadline.
      const events = step.action === 'postpone'
        ? [newEvent('key.activation_delayed', tenantId, now, { ...keyData({ ...key, activateAt: step.activateAt }), activateBy: key.activateBy === undefined ? null : new Date(key.activateBy).toISOString(), actor: 'scheduler' })]
        : []
      const done = await store.moveActivation(tenantId, move, audit(step.action === 'postpone' ? 'key.postpone' : 'key.activate', key.kid), events)
      if (!done) {
        next = now
        continue
      }
      moved++
      if (step.action === 'postpone') {
        this.options.onPostponed?.(tenantId, key.kid, step.activateAt)
        next = now
      } else if (step.action === 'release') {
        this.options.onReleased?.(tenantId, key.kid)
      }
    }
    await store.setGateDue(tenantId, next === Infinity ? null : next)
    return moved
  }
}
