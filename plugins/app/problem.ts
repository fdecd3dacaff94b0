// One error handler: everything becomes RFC 9457 problem+json with a stable code; 5xx details never reach the client.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { ErrorObject } from 'ajv'
import { TokenmintError, describeFieldErrors, statusTitle, type ErrorCode, type FieldError } from '../../src/errors.js'
import { fieldErrors } from '../../src/profiles/validator.js'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: ErrorCode
  instance?: string
  errors?: FieldError[]
}

const problemType = (code: string): string => `urn:tokenmint:problem:${code.toLowerCase().replace(/_/g, '-')}`

/** Field errors of a Fastify validation failure, each naming a field as a JSON pointer (the body's root as '/'). */
function validationErrors (issues: ErrorObject[], context: string | undefined): FieldError[] {
  const base = context === undefined || context === 'body' ? '' : `/${context === 'querystring' ? 'query' : context}`
  return fieldErrors(issues, base).map(error => error.path === '' ? { ...error, path: '/' } : error)
}

/** Bodies are JSON only: a body sent as text/plain, or with no content-type, is refused before any route reads it. */
const MEDIA_TYPE_DETAIL = 'the request body must be JSON: send content-type: application/json'

/** Errors of the router, before any route runs (see frameworkErrors). */
const URL_ERRORS: Record<string, string | undefined> = {
  FST_ERR_BAD_URL: 'is not valid: a path segment has a bad %-encoding',
  FST_ERR_MAX_PARAM_LENGTH: 'has a path parameter longer than 160 characters' // the router's maxParamLength (plugins/app.ts)
}

export function toProblem (err: unknown): Problem & { log: boolean } {
  if (err instanceof TokenmintError) {
    const problem: Problem & { log: boolean } = {
      type: problemType(err.code),
      title: statusTitle(err.status),
      status: err.status,
      detail: err.status >= 500 && err.code !== 'STORE_UNAVAILABLE' ? 'internal error' : err.message,
      code: err.code,
      // An unreachable store is an outage, not a bug: one warning per request, no stack (see the handler).
      log: err.status >= 500 && err.code !== 'STORE_UNAVAILABLE'
    }
    if (err.errors !== undefined) problem.errors = err.errors
    return problem
  }
  const fastifyError = err as Partial<FastifyError> & { validation?: ErrorObject[], validationContext?: string }
  if (Array.isArray(fastifyError.validation)) {
    const errors = validationErrors(fastifyError.validation, fastifyError.validationContext)
    return { type: problemType('VALIDATION_FAILED'), title: statusTitle(400), status: 400, detail: describeFieldErrors(errors), code: 'VALIDATION_FAILED', errors, log: false }
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { type: problemType('UNSUPPORTED_MEDIA_TYPE'), title: statusTitle(415), status: 415, detail: MEDIA_TYPE_DETAIL, code: 'UNSUPPORTED_MEDIA_TYPE', log: false }
  }
  if (fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    const errors = [{ path: '/', message: 'is empty, but content-type says application/json: send a JSON body' }]
    return { type: problemType('VALIDATION_FAILED'), title: statusTitle(400), status: 400, detail: describeFieldErrors(errors), code: 'VALIDATION_FAILED', errors, log: false }
  }
  const urlError = URL_ERRORS[fastifyError.code ?? '']
  if (urlError !== undefined) {
    return { type: problemType('VALIDATION_FAILED'), title: statusTitle(400), status: 400, detail: `the URL ${urlError}`, code: 'VALIDATION_FAILED', errors: [{ path: '/params', message: urlError }], log: false }
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500
  if (status >= 400 && status < 500) {
    const code: ErrorCode = status === 413
      ? 'PAYLOAD_TOO_LARGE'
      : status === 415
        ? 'UNSUPPORTED_MEDIA_TYPE'
        : status === 404 ? 'NOT_FOUND' : status === 405 ? 'METHOD_NOT_ALLOWED' : status === 429 ? 'RATE_LIMITED' : 'VALIDATION_FAILED'
    const detail = status === 400 ? `the request body is not valid JSON or is not allowed: ${fastifyError.message ?? ''}` : (fastifyError.message ?? statusTitle(status))
    const problem: Problem & { log: boolean } = { type: problemType(code), title: statusTitle(status), status: code === 'VALIDATION_FAILED' ? 400 : status, detail, code, log: false }
    if (code === 'VALIDATION_FAILED') problem.errors = [{ path: '/', message: detail }]
    return problem
  }
  return { type: problemType('INTERNAL'), title: statusTitle(500), status: 500, detail: 'internal error', code: 'INTERNAL', log: true }
}

/** The `frameworkErrors` option of Fastify: the router's own 400/414 answers become problem+json like every other error. */
export function frameworkErrors (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { log: _log, ...problem } = toProblem(err)
  problem.instance = request.url.split('?')[0]
  sendProblem(reply, problem).catch(sendErr => request.log.warn({ err: sendErr }, 'could not answer a router error'))
}

export async function sendProblem (reply: FastifyReply, problem: Problem): Promise<void> {
  await reply.status(problem.status).type('application/problem+json').send(problem)
}

export default fp(async function problemPlugin (app: FastifyInstance) {
  app.setErrorHandler(async (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { log, ...problem } = toProblem(err)
    if (log) request.log.error({ err }, 'request failed')
    else if (problem.status === 503) request.log.warn({ code: problem.code }, 'store unavailable')
    problem.instance = request.url.split('?')[0]
    await sendProblem(reply, problem)
  })
  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    await sendProblem(reply, {
      type: problemType('NOT_FOUND'),
      title: statusTitle(404),
      status: 404,
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
      code: 'NOT_FOUND'
    })
  })
}, { name: 'problem' })
