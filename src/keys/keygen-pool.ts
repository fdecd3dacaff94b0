// RSA key generation in worker threads, at most `concurrency` at a time, so it never holds the libuv threadpool that signing uses.
import type { KeyObject } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { TokenmintError } from '../errors.js'
import type { Alg } from '../types.js'
import { generateKey, modulusLengthOf, pairMaterial, type GenerateOptions, type KeyGenerator, type KeyMaterial } from './generate.js'

/**
 * One worker's code. It generates synchronously, on its own thread: a 4096-bit pair takes seconds of
 * CPU that the libuv threadpool (4 threads, shared with every asynchronous sign) never sees.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { generateKeyPairSync } = require('node:crypto')
parentPort.on('message', modulusLength => {
  try {
    parentPort.postMessage(generateKeyPairSync('rsa', { modulusLength, publicExponent: 0x10001 }))
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) })
  }
})
`

type Reply = { publicKey: KeyObject, privateKey: KeyObject } | { error: string }

interface Job {
  modulusLength: number
  resolve: (pair: { publicKey: KeyObject, privateKey: KeyObject }) => void
  reject: (err: Error) => void
}

export interface KeygenStats {
  /** RSA generations running now (never more than the concurrency). */
  running: number
  /** RSA generations waiting for a worker. */
  queued: number
  /** Most RSA generations that ever ran at once. */
  peak: number
  /** Worker threads alive. */
  workers: number
}

/**
 * The app's KeyGenerator. RS256 pairs come from worker threads, one job per worker, at most
 * `concurrency` workers, started when first needed and kept; the others queue in order. HS256,
 * ES256 and EdDSA material takes well under a millisecond and is made as generateKey makes it.
 */
export class KeygenPool implements KeyGenerator {
  private readonly queue: Job[] = []
  private readonly idle: Worker[] = []
  private readonly workers = new Set<Worker>()
  private running = 0
  private peak = 0
  private closed = false

  constructor (private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a whole number of at least 1')
  }

  async generate (alg: Alg, options: GenerateOptions = {}): Promise<KeyMaterial> {
    if (alg !== 'RS256') return await generateKey(alg, options)
    const modulusLength = modulusLengthOf(options)
    const { publicKey, privateKey } = await new Promise<{ publicKey: KeyObject, privateKey: KeyObject }>((resolve, reject) => {
      if (this.closed) {
        reject(stopped())
        return
      }
      this.queue.push({ modulusLength, resolve, reject })
      this.next()
    })
    return pairMaterial(alg, publicKey, privateKey)
  }

  stats (): KeygenStats {
    return { running: this.running, queued: this.queue.length, peak: this.peak, workers: this.workers.size }
  }

  /** Refuses queued and new generations and terminates the workers (a running generation fails too). */
  async close (): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) job.reject(stopped())
    await Promise.all([...this.workers].map(async worker => await worker.terminate()))
  }

  /** Starts queued jobs while a worker is free or may be started. */
  private next (): void {
    while (this.queue.length > 0 && this.running < this.concurrency) {
      const job = this.queue.shift() as Job
      const worker = this.idle.pop() ?? this.spawn()
      this.running++
      this.peak = Math.max(this.peak, this.running)
      const done = (): void => {
        worker.off('message', onMessage)
        worker.off('exit', onExit)
        this.running--
      }
      const onMessage = (reply: Reply): void => {
        done()
        this.idle.push(worker)
        if ('error' in reply) job.reject(new TokenmintError('INTERNAL', `RSA key generation failed: ${reply.error}`))
        else job.resolve(reply)
        this.next()
      }
      const onExit = (): void => {
        done()
        job.reject(this.closed ? stopped() : new TokenmintError('INTERNAL', 'the RSA key generation worker stopped'))
        this.next()
      }
      worker.on('message', onMessage)
      worker.on('exit', onExit)
      worker.postMessage(job.modulusLength)
    }
  }

  private spawn (): Worker {
    // No inherited flags or loaders: the worker runs plain JavaScript and needs none.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] })
    worker.unref() // an idle worker never keeps the process alive
    worker.on('error', () => {}) // an uncaught error in the worker: 'exit' follows and fails its job
    this.workers.add(worker)
    worker.once('exit', () => {
      this.workers.delete(worker)
      const at = this.idle.indexOf(worker)
      if (at !== -1) this.idle.splice(at, 1)
    })
    return worker
  }
}

function stopped (): TokenmintError {
  return new TokenmintError('INTERNAL', 'key generation has stopped: the instance is shutting down')
}
