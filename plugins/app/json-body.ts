// The JSON body parser: Fastify's own (prototype poisoning refused), behind a nesting-depth limit.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { invalid } from '../../src/errors.js'
import { MAX_JSON_DEPTH, jsonNestsDeeperThan } from '../../src/json-depth.js'

/**
 * JSON.parse takes arrays nested thousands deep in a 16 KiB body, but JSON.stringify (storage, token
 * signing, responses) then overflows the stack: such bodies are a 400 before they are parsed.
 */
export default fp(async function jsonBody (app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonNestsDeeperThan(body as string, MAX_JSON_DEPTH)) {
      done(invalid('/', `is nested more than ${MAX_JSON_DEPTH} levels deep`), undefined)
      return
    }
    parse(request, body as string, done)
  })
}, { name: 'json-body' })
