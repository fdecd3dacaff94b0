// The composition root: builds the Fastify app from the config. It never listens.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from '../src/config.js'
import { openStore } from '../src/store/open-store.js'
import type { Store } from '../src/store/store.js'
import type { Clock } from '../src/types.js'
import metrics, { createMetrics } from './app/metrics.js'
import sessionJwt from './external/session-jwt.js'
import docs from './external/swagger.js'
import drain, { serverResponses } from './app/drain.js'
import jsonBody from './app/json-body.js'
import problem, { frameworkErrors } from './app/problem.js'
import { lazyChildLogger, requestLogController } from './app/request-logger.js'
import services from './app/services.js'
import validation from './app/validation.js'
import adminRoutes from './routes/admin/index.js'
import dashboardRoutes from './routes/dashboard.js'
import healthRoutes from './routes/health.js'
import jwksRoutes from './routes/jwks.js'
import oidcLogin from './routes/oidc-login.js'
import tenantApi from './routes/tenant-api.js'

export interface AppOptions {
  config: Config
  /** A store to use instead of the one the config names (tests share one between apps). */
  store?: Store
  clock?: Clock
  /** pino options, or false for no logs. */
  logger?: FastifyServerOptions['logger']
  /** Run the periodic-rotation ticker (default true). */
  scheduler?: boolean
}

/** Fields that never reach a log line. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.authorization',
  '*.secret',
  '*.initialSecret',
  '*.privateKeyPem',
  '*.apiKey',
  '*.token',
  '*.adminToken',
  '*.masterKey'
]

export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  const clock = options.clock ?? Date.now
  const responses = serverResponses()
  const logger = options.logger ?? { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } }
  const app = Fastify({
    http: { ServerResponse: responses.ServerResponse },
    logger,
    logController: requestLogController(logger),
    bodyLimit: 16 * 1024,
    // Imported kids may be 128 characters and appear in paths (revoke).
    routerOptions: { maxParamLength: 160 },
    // A hop count is supported at run time (proxy-addr) though the option's type omits it.
    trustProxy: config.trustProxy as boolean | string,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    childLoggerFactory: lazyChildLogger,
    forceCloseConnections: 'idle',
    frameworkErrors
  })
  const store = options.store ?? openStore(config, app.log)

  await app.register(problem)
  await app.register(validation)
  await app.register(jsonBody)
  await app.register(drain, { responses })
  await app.register(services, { config, store, metrics: createMetrics(config), clock, scheduler: options.scheduler ?? true })
  await app.register(metrics)
  await app.register(docs)
  await app.register(healthRoutes)
  await app.register(jwksRoutes)
  await app.register(tenantApi)
  // Only the operator routes read the session cookie: JWKS and issuance pay no cookie hook.
  await app.register(async function operatorRoutes (operator) {
    await operator.register(sessionJwt)
    await operator.register(adminRoutes, { prefix: '/v1/admin' })
    if (config.operatorOidc !== undefined) await operator.register(oidcLogin, { oidc: config.operatorOidc })
  })
  await app.register(dashboardRoutes)
  return app
}
