// Periodic rotation: each tick reads the due-index and runs due tenants; no timer per tenant, no work done twice.
import type { AdminService } from './admin-service.js'
import { PeriodicTask } from './periodic-task.js'
import type { Store } from './store/store.js'
import type { Clock } from './types.js'

export interface SchedulerOptions {
  store: Store
  admin: AdminService
  clock: Clock
  tickMs: number
  /** Most tenants handled in one tick. */
  batch?: number
  onError?: (err: unknown, tenantId?: string) => void
  onRotated?: (tenantId: string) => void
}

export class RotationScheduler {
  private readonly task: PeriodicTask

  constructor (private readonly options: SchedulerOptions) {
    this.task = new PeriodicTask(async () => await this.run(), options.tickMs, err => options.onError?.(err))
  }

  start (): void {
    this.task.start()
  }

  /** Handles every tenant due now; resolves with how many versions this instance created. Overlapping calls share one run. */
  async tick (): Promise<number> {
    return await this.task.tick()
  }

  async stop (): Promise<void> {
    await this.task.stop()
  }

  private async run (): Promise<number> {
    const { store, admin, clock, onError, onRotated } = this.options
    let due: string[]
    try {
      due = await store.listDueRotations(clock(), this.options.batch ?? 100)
    } catch (err) {
      onError?.(err)
      return 0
    }
    let created = 0
    for (const tenantId of due) {
      try {
        if (await admin.rotateIfDue(tenantId)) {
          created++
          onRotated?.(tenantId)
        }
      } catch (err) {
        onError?.(err, tenantId)
      }
    }
    return created
  }
}
