// A throw-away redis-server for one bench run: free loopback port, no persistence, stopped with the run.
import { connect } from 'node:net'
import { freePort, spawnTracked, type Child } from './processes.js'

export interface BenchRedis {
  port: number
  url: string
  child: Child
}

function ping (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ port, host: '127.0.0.1' })
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok) }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', data => done(data.toString().startsWith('+PONG')))
  })
}

export async function startRedis (timeoutMs = 10_000): Promise<BenchRedis> {
  const port = await freePort()
  const child = spawnTracked('redis-server', 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'
  ])
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!child.isRunning()) throw new Error(`redis-server exited at start:\n${child.tail()}`)
    if (await ping(port)) return { port, url: `redis://127.0.0.1:${port}`, child }
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  await child.stop()
  throw new Error(`redis-server not answering PING after ${timeoutMs} ms:\n${child.tail()}`)
}

/** The redis-server's total_commands_processed (INFO stats), read over a socket of its own. */
export function commandsProcessed (port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' })
    let reply = ''
    socket.setTimeout(2000, () => { socket.destroy(); reject(new Error('redis-server did not answer INFO')) })
    socket.once('error', reject)
    socket.once('connect', () => socket.write('INFO stats\r\n'))
    socket.on('data', data => {
      reply += data.toString()
      const match = /total_commands_processed:(\d+)/.exec(reply)
      if (match !== null && reply.includes('\r\n', reply.indexOf('total_commands_processed'))) {
        socket.destroy()
        resolve(Number(match[1]))
      }
    })
  })
}
