// The start-up warning about a Redis that keeps nothing on disk: logged for --save '' --appendonly no, not with AOF.
import { tracingChannel } from 'node:diagnostics_channel'
import { EventEmitter, once } from 'node:events'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { build, storeReady } from '../../helpers/build.js'
import { startRedis } from '../../helpers/redis-server.js'

const WARNING = 'the connected Redis persists nothing'

/** A log destination keeping every JSON line pino writes. */
function logCapture (): { stream: Writable, lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      callback()
    }
  })
  return { stream, lines }
}

interface CommandContext {
  command: string
  args: string[]
}

/**
 * Builds an app on a redis-server started with `args` and resolves with its log once its persistence check is over:
 * the check's last command (CONFIG GET save) is seen completing on ioredis' diagnostics channel, and one turn of the
 * event loop lets the check act on its reply.
 */
async function logAfterCheck (t: Test, args: string[]): Promise<Array<Record<string, any>>> {
  const redis = await startRedis(t, { args })
  const seen = new EventEmitter()
  const commands = tracingChannel<string, CommandContext>('ioredis:command')
  const handlers = {
    start () {},
    end () {},
    asyncStart () {},
    error () {},
    asyncEnd (context: CommandContext) {
      if (context.command === 'config' && context.args.join(' ').toLowerCase() === 'get save') seen.emit('checked')
    }
  }
  commands.subscribe(handlers)
  t.teardown(() => { commands.unsubscribe(handlers) })
  const checked = once(seen, 'checked')
  const log = logCapture()
  const { app } = await build(t, { redisUrl: redis.url, logStream: log.stream })
  await storeReady(app)
  await checked
  await new Promise(resolve => setImmediate(resolve))
  return log.lines
}

t.test('a Redis with neither RDB snapshots nor AOF draws one warning at start', async t => {
  const lines = await logAfterCheck(t, [])
  const warnings = lines.filter(line => typeof line.msg === 'string' && line.msg.startsWith(WARNING))
  t.equal(warnings.length, 1)
  t.match(warnings[0], { level: 40, appendonly: 'no', save: '' })
})

t.test('a Redis with AOF on draws no warning', async t => {
  const lines = await logAfterCheck(t, ['--appendonly', 'yes'])
  t.same(lines.filter(line => typeof line.msg === 'string' && line.msg.startsWith(WARNING)), [])
})

t.test('a Redis with RDB snapshots draws no warning', async t => {
  const lines = await logAfterCheck(t, ['--save', '3600 1'])
  t.same(lines.filter(line => typeof line.msg === 'string' && line.msg.startsWith(WARNING)), [])
})
