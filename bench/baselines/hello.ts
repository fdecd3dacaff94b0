// Baseline (a): the smallest fastify server, one GET route answering a fixed JSON object.
import Fastify from 'fastify'
import { announce, closeOnSignal, HOST, portFromArgs } from './listen.js'

const app = Fastify({ logger: false })

app.get('/', async () => ({ hello: 'world' }))

await app.listen({ port: portFromArgs(), host: HOST })
announce(app.server)
closeOnSignal(() => app.close())
