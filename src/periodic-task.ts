// One piece of periodic work (rotation, the activation gate): an unref'd timer, runs that never overlap, and a stop that waits for the run in progress.
export class PeriodicTask {
  private timer?: NodeJS.Timeout
  private running?: Promise<number>

  /** `run` resolves with how much it did; a rejection is handed to `onError`. */
  constructor (private readonly run: () => Promise<number>, private readonly tickMs: number, private readonly onError?: (err: unknown) => void) {}

  start (): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => { this.tick().catch(err => this.onError?.(err)) }, this.tickMs)
    this.timer.unref()
  }

  /** One run now; overlapping calls share one run. */
  async tick (): Promise<number> {
    if (this.running !== undefined) return await this.running
    this.running = this.run().finally(() => { this.running = undefined })
    return await this.running
  }

  async stop (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    if (this.running !== undefined) await this.running.catch(() => 0)
  }
}
