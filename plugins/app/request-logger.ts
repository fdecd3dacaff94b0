// Per-request loggers made on first use: a request that writes no log line never builds its pino child.
import { LogController, type FastifyBaseLogger, type FastifyServerOptions } from 'fastify'
import { pino, type Bindings, type ChildLoggerOptions } from 'pino'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/** pino gives the method of every disabled level one shared no-op; this is it. */
const DISABLED = pino({ level: 'silent' }).info

/** One small object per request; the pino child (bindings serialised and redacted) is made only when it logs. */
class LazyLogger implements FastifyBaseLogger {
  private made?: FastifyBaseLogger

  constructor (
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions | undefined
  ) {}

  get level (): string { return this.made?.level ?? this.parent.level }
  set level (value: string) { this.real().level = value }

  private real (): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options)
    return this.made
  }

  /**
   * Until the child exists, a line at a level the parent has disabled (its method is pino's no-op, as the child's
   * would be) is dropped without building it. Once it exists, the child decides, its own level included.
   */
  private write (level: Level, args: unknown[]): void {
    if (this.made === undefined && this.parent[level] === DISABLED) return
    (this.real()[level] as (...a: unknown[]) => void)(...args)
  }

  fatal (...args: unknown[]): void { this.write('fatal', args) }
  error (...args: unknown[]): void { this.write('error', args) }
  warn (...args: unknown[]): void { this.write('warn', args) }
  info (...args: unknown[]): void { this.write('info', args) }
  debug (...args: unknown[]): void { this.write('debug', args) }
  trace (...args: unknown[]): void { this.write('trace', args) }
  silent (): void {}
  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger { return this.real().child(bindings, options) }
}

/**
 * Fastify's childLoggerFactory, the same at every log level: whether a request's child is ever built depends only
 * on whether something logs at an enabled level. A route with a level of its own gets its child at once, since the
 * parent's level no longer says what is enabled.
 */
export const lazyChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) =>
  options?.level === undefined ? new LazyLogger(logger, bindings, options) : logger.child(bindings, options)

const AT_OR_BELOW_INFO = new Set(['info', 'debug', 'trace'])

/** Whether the app's logger options write info lines (Fastify's default level is info). */
function infoEnabled (logger: FastifyServerOptions['logger']): boolean {
  if (logger === undefined || logger === false) return false
  if (logger === true) return true
  return AT_OR_BELOW_INFO.has((logger as { level?: string }).level ?? 'info')
}

/**
 * Fastify's per-request lines: "incoming request" and "request completed" are info lines, so when the logger's
 * level is above info they are not made at all (no object, no call per request). Every other line, a request that
 * errored included, is Fastify's as it is.
 */
export function requestLogController (logger: FastifyServerOptions['logger']): LogController {
  const info = infoEnabled(logger)
  class RequestLines extends LogController {
    override incomingRequest (...args: Parameters<LogController['incomingRequest']>): void {
      if (info) super.incomingRequest(...args)
    }

    override requestCompleted (...args: Parameters<LogController['requestCompleted']>): void {
      if (info || (args[0] !== null && args[0] !== undefined)) super.requestCompleted(...args)
    }
  }
  return new RequestLines()
}
