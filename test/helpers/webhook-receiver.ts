// Test helper: a real HTTP receiver on loopback that records each delivery and answers as the test says.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

type Test = { teardown: (fn: () => unknown) => void }

export interface ReceivedDelivery {
  headers: Record<string, string>
  body: string
  json: { type: string, timestamp: string, data: Record<string, unknown> }
  /** The status this receiver answered (undefined: it hung). */
  answered?: number
}

/** How to answer a delivery: a status code, or 'hang' (never answer). */
export type Answer = number | 'hang'

export interface Receiver {
  url: string
  received: ReceivedDelivery[]
  /** Decides the answer of each delivery; 204 by default. */
  answer: (delivery: ReceivedDelivery) => Answer
  /** Resolves with the first delivery, already received or to come, that matches. */
  next: (matches: (delivery: ReceivedDelivery) => boolean) => Promise<ReceivedDelivery>
  /** The deliveries verified with `standardwebhooks` under this secret (throws on a bad signature). */
  verify: (secret: string, delivery: ReceivedDelivery) => unknown
}

export async function startReceiver (t: Test): Promise<Receiver> {
  const waiters: Array<{ matches: (d: ReceivedDelivery) => boolean, resolve: (d: ReceivedDelivery) => void }> = []
  const hanging = new Set<ServerResponse>()
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]))
      const delivery: ReceivedDelivery = { headers, body, json: JSON.parse(body) }
      const answer = receiver.answer(delivery)
      if (answer === 'hang') {
        hanging.add(response)
      } else {
        delivery.answered = answer
        response.writeHead(answer).end()
      }
      receiver.received.push(delivery)
      for (const waiter of [...waiters]) {
        if (waiter.matches(delivery)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(delivery)
        }
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => {
    for (const response of hanging) response.destroy()
    server.closeAllConnections()
    server.close()
  })
  const receiver: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received: [],
    answer: () => 204,
    next: async matches => {
      const found = receiver.received.find(matches)
      if (found !== undefined) return found
      return await new Promise(resolve => { waiters.push({ matches, resolve }) })
    },
    verify: (secret, delivery) => new Webhook(secret).verify(delivery.body, delivery.headers)
  }
  return receiver
}
