// The lazy per-request logger: no pino child until a line is written at an enabled level, then the same line pino would write.
import { Writable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { pino } from 'pino'
import t from 'tap'
import { lazyChildLogger } from '../../../plugins/app/request-logger.js'

function logger (level: string): { root: FastifyBaseLogger, lines: Array<Record<string, unknown>>, children: () => number } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done() } })
  const root = pino({ level, base: null, timestamp: false }, stream) as unknown as FastifyBaseLogger
  let children = 0
  const child = root.child.bind(root)
  root.child = (bindings, options) => { children++; return child(bindings, options) }
  return { root, lines, children: () => children }
}

const make = (root: FastifyBaseLogger, options = {}): FastifyBaseLogger =>
  lazyChildLogger.call(undefined as never, root, { reqId: 'req-1' }, options, undefined as never) as FastifyBaseLogger

t.test('lines below the level build no child; an enabled line builds it once, with the request bindings', async t => {
  const { root, lines, children } = logger('warn')
  const log = make(root)
  log.info({ req: 'x' }, 'incoming request')
  log.debug('detail')
  t.equal(children(), 0, 'nothing enabled was logged: no child')
  t.equal(log.level, 'warn')
  log.warn({ code: 'STORE_UNAVAILABLE' }, 'store unavailable')
  log.error('failed')
  t.equal(children(), 1, 'one child, made on the first enabled line')
  t.same(lines, [
    { level: 40, reqId: 'req-1', code: 'STORE_UNAVAILABLE', msg: 'store unavailable' },
    { level: 50, reqId: 'req-1', msg: 'failed' }
  ])
})

t.test('at info every request line is written, as by a plain pino child', async t => {
  const { root, lines } = logger('info')
  make(root).info({ responseTime: 1 }, 'request completed')
  t.same(lines, [{ level: 30, reqId: 'req-1', responseTime: 1, msg: 'request completed' }])
})

t.test('a route with a level of its own gets its child at once', async t => {
  const { root, lines, children } = logger('info')
  const log = make(root, { level: 'debug' })
  t.equal(children(), 1)
  log.debug('route detail')
  t.same(lines, [{ level: 20, reqId: 'req-1', msg: 'route detail' }])
})

t.test('once a request\'s level is changed, its own level decides', async t => {
  const { root, lines } = logger('info')
  const log = make(root)
  log.level = 'debug'
  log.debug('now enabled')
  t.same(lines, [{ level: 20, reqId: 'req-1', msg: 'now enabled' }])
  t.equal(root.level, 'info', 'the app logger is untouched')
})

t.test('a parent that is not pino: the child is built and decides', async t => {
  const seen: string[] = []
  const line = (level: string) => (message: string) => { seen.push(`${level} ${message}`) }
  const custom = { level: 'warn', fatal: line('fatal'), error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug'), trace: line('trace'), silent: () => {} } as unknown as FastifyBaseLogger
  custom.child = () => custom
  make(custom).info('kept')
  t.same(seen, ['info kept'])
})
