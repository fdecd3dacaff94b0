// Strict request validation: bodies are never coerced and never stripped; only query strings and params coerce.
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

function makeAjv (coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce,
    removeAdditional: false,
    useDefaults: coerce,
    allErrors: true,
    strict: false
  })
  addFormats(ajv)
  return ajv
}

export default fp(async function validation (app: FastifyInstance) {
  const strict = makeAjv(false)
  const lenient = makeAjv(true)
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema))
}, { name: 'validation' })
