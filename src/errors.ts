// One error class with stable codes; the HTTP layer maps it to RFC 9457 problem+json.

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'TTL_OUT_OF_RANGE'
  | 'CLAIM_NOT_ALLOWED'
  | 'INVALID_KEY'
  | 'INVALID_SCHEMA'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'TENANT_NOT_FOUND'
  | 'KEY_NOT_FOUND'
  | 'API_KEY_NOT_FOUND'
  | 'TENANT_EXISTS'
  | 'KID_EXISTS'
  | 'CONFLICT'
  | 'NO_ACTIVE_KEY'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL'
  | 'WEBHOOK_URL_FORBIDDEN'
  | 'WEBHOOK_NOT_FOUND'
  | 'DELIVERY_NOT_FOUND'
  | 'CREDENTIAL_NOT_FOUND'
  | 'TOO_MANY_FAILURES'
  | 'CSRF_FAILED'

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  TTL_OUT_OF_RANGE: 400,
  CLAIM_NOT_ALLOWED: 400,
  INVALID_KEY: 400,
  INVALID_SCHEMA: 400,
  KID_EXISTS: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TENANT_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  TENANT_EXISTS: 409,
  CONFLICT: 409,
  NO_ACTIVE_KEY: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  RATE_LIMITED: 429,
  STORE_UNAVAILABLE: 503,
  INTERNAL: 500,
  WEBHOOK_URL_FORBIDDEN: 400,
  WEBHOOK_NOT_FOUND: 404,
  DELIVERY_NOT_FOUND: 404,
  CREDENTIAL_NOT_FOUND: 404,
  TOO_MANY_FAILURES: 429,
  CSRF_FAILED: 403
}

const TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
}

export interface FieldError {
  path: string
  message: string
}

export class TokenmintError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly errors?: FieldError[]

  constructor (code: ErrorCode, message: string, options: { errors?: FieldError[], cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'TokenmintError'
    this.code = code
    this.status = STATUS[code]
    if (options.errors !== undefined) this.errors = options.errors
  }
}

export function statusTitle (status: number): string {
  return TITLE[status] ?? (status >= 500 ? 'Server Error' : 'Client Error')
}

/**
 * The one wording of field errors in a detail: `/profile must be one of smooch, ...; /name is required`.
 * The root of a body ('' or '/') reads as "the body".
 */
export function describeFieldErrors (errors: readonly FieldError[]): string {
  return errors.map(error => `${error.path === '' || error.path === '/' ? 'the body' : error.path} ${error.message}`).join('; ')
}

/** A validation error naming one field. */
export function invalid (path: string, message: string, code: ErrorCode = 'VALIDATION_FAILED'): TokenmintError {
  return fieldsInvalid([{ path, message }], code)
}

/** A validation error for a non-empty list of field errors; the detail lists them all. */
export function fieldsInvalid (errors: FieldError[], code: ErrorCode = 'VALIDATION_FAILED'): TokenmintError {
  return new TokenmintError(code, describeFieldErrors(errors), { errors })
}

export function storeUnavailable (cause?: unknown): TokenmintError {
  return new TokenmintError('STORE_UNAVAILABLE', 'the key store is not answering', { cause })
}

export function isTokenmintError (err: unknown): err is TokenmintError {
  return err instanceof TokenmintError
}
