// Logs are JSON except in embedded dev mode on a terminal, where pino-pretty (when installed) makes them readable.
import { createRequire } from 'node:module'
import { PassThrough } from 'node:stream'
import pino from 'pino'
import t from 'tap'
import { loadConfig } from '../../../src/config.js'
import { loggerOptions, resolvePinoPretty } from '../../../plugins/app/log-options.js'
import { MASTER_KEY } from '../../helpers/build.js'

const embedded = loadConfig({ ADMIN_TOKEN: 'an-admin-token-long-enough-for-the-config' })
const withRedis = loadConfig({ ADMIN_TOKEN: 'an-admin-token-long-enough-for-the-config', MASTER_KEY, REDIS_URL: 'redis://127.0.0.1:6379' })

t.test('embedded dev mode on a terminal logs through pino-pretty; anything else logs JSON', async t => {
  const pretty = resolvePinoPretty()
  t.type(pretty, 'string', 'pino-pretty is installed with the devDependencies npm start installs')
  t.match(loggerOptions(embedded, true, pretty), { transport: { target: pretty } })
  t.notOk('transport' in (loggerOptions(embedded, false, pretty) as object), 'not on a pipe or a file')
  t.notOk('transport' in (loggerOptions(withRedis, true, pretty) as object), 'not with Redis, even on a terminal')
  t.notOk('transport' in (loggerOptions(embedded, true, undefined) as object), 'not when pino-pretty is not installed (--omit=dev)')
  for (const options of [loggerOptions(embedded, true, pretty), loggerOptions(withRedis, false, pretty)]) {
    t.match(options, { level: 'info', redact: { censor: '[redacted]' } }, 'the level and redaction hold either way')
  }
})

t.test('the pretty transport turns a log object into one readable line, redacted', async t => {
  const target = resolvePinoPretty() as string
  const build = createRequire(import.meta.url)(target) as (options: object) => NodeJS.WritableStream
  const out = new PassThrough()
  let text = ''
  out.on('data', (chunk: Buffer) => { text += chunk.toString() })
  const { transport: { options } } = loggerOptions(embedded, true, target) as { transport: { options: object } }
  const stream = build({ ...options, destination: out, colorize: false, sync: true })
  const logger = pino({ redact: { paths: ['req.headers.authorization'], censor: '[redacted]' } }, stream)
  logger.info({ req: { headers: { authorization: 'Bearer tm_secret' } } }, 'request completed')
  await new Promise(resolve => setImmediate(resolve))
  t.match(text, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request completed {"req":{"headers":{"authorization":"\[redacted\]"}}}\n$/, 'one line, its fields on it')
  t.notMatch(text, /^\{/, 'not a JSON line')
  t.notMatch(text, 'tm_secret')
})
