// The body parsers: JSON only (Fastify's parser, prototype poisoning refused) behind a nesting-depth limit; no text/plain.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { invalid } from '../../src/errors.js'
import { MAX_JSON_DEPTH, jsonNestsDeeperThan } from '../../src/json-depth.js'
import { jsonSyntaxError } from '../../src/json-syntax.js'

/**
 * JSON.parse takes arrays nested thousands deep in a 16 KiB body, but JSON.stringify (storage, token
 * signing, responses) then overflows the stack: such bodies are a 400 before they are parsed. A body that does
 * not parse is a 400 saying where it stops being JSON. Fastify's text/plain parser is removed, so a JSON body
 * sent as text/plain is a 415 (see the problem handler) rather than a string that fails the route's schema.
 */
export default fp(async function jsonBody (app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(invalid('/', `is nested more than ${MAX_JSON_DEPTH} levels deep`), undefined)
      return
    }
    parse(request, text, (err, value) => {
      if (err === null || (err as { code?: string }).code !== 'FST_ERR_CTP_INVALID_JSON_BODY') {
        done(err, value)
        return
      }
      const syntax = jsonSyntaxError(text)
      done(syntax === undefined
        ? invalid('/', 'is not allowed: it has a "__proto__" or "constructor" key')
        : invalid('/', `is not valid JSON: ${syntax.message} at line ${syntax.line}, column ${syntax.column} (offset ${syntax.offset})`), undefined)
    })
  })
}, { name: 'json-body' })
