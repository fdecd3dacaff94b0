// Graceful drain: once the app starts closing, responses say `Connection: close`, so keep-alive clients stop reusing sockets about to go.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * Requests in flight when close() begins still complete; their responses now end the connection, so a
 * client opens a new one for its next request (refused: the listener is closed, safe to retry elsewhere)
 * instead of writing it onto a socket the server is closing, which it would see reset.
 */
export default fp(async function drain (app: FastifyInstance) {
  let draining = false
  app.addHook('preClose', async () => { draining = true })
  // A callback hook, not async: on every response, so it must not cost a promise and a microtask.
  app.addHook('onSend', function closeWhenDraining (_request, reply, payload, done) {
    if (draining) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'drain' })
