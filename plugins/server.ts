// The entry point: reads the config, builds the app, listens, and shuts down gracefully on SIGTERM/SIGINT.
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig, type Config } from '../src/config.js'
import { buildApp } from './app.js'
import { loggerOptions, resolvePinoPretty } from './app/log-options.js'

function configOrExit (): Config {
  try {
    return loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tokenmint: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }
}

const config = configOrExit()
const app = await buildApp({ config, logger: loggerOptions(config, process.stdout.isTTY === true, resolvePinoPretty()) })

if (config.embedded) {
  app.log.warn('EMBEDDED DEV MODE: no REDIS_URL, keys live in this process only and vanish when it stops; the master key is generated per process')
}
if (config.generatedAdminToken) {
  process.stdout.write(`admin token: ${config.adminToken}\n`)
}

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
})

await app.listen({ port: config.port, host: config.host })
