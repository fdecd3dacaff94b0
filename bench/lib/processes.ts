// Child processes of a bench run: spawn, remember, wait for a line, stop one, stop all (also on exit and signals).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { createServer } from 'node:net'

export interface Child {
  name: string
  pid: number
  process: ChildProcess
  /** Resolves with the exit code (or null after a signal) once the process is gone. */
  exited: Promise<number | null>
  isRunning: () => boolean
  /** Last lines the process wrote to stdout/stderr, for error messages. */
  tail: () => string
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop: (graceMs?: number) => Promise<void>
}

const TAIL_LINES = 40
const children = new Set<Child>()

export function spawnTracked (name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${command})`)
  const lines: string[] = []
  let running = true
  const record = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue
      lines.push(line)
      if (lines.length > TAIL_LINES) lines.shift()
    }
  }
  proc.stdout?.on('data', record)
  proc.stderr?.on('data', record)
  const exited = new Promise<number | null>(resolve => {
    proc.once('exit', code => {
      running = false
      children.delete(child)
      resolve(code)
    })
  })
  const child: Child = {
    name,
    pid: proc.pid,
    process: proc,
    exited,
    isRunning: () => running,
    tail: () => lines.join('\n'),
    stop: async (graceMs = 5000) => {
      if (!running) return
      proc.kill('SIGTERM')
      const timer = setTimeout(() => { if (running) proc.kill('SIGKILL') }, graceMs)
      await exited
      clearTimeout(timer)
    }
  }
  children.add(child)
  return child
}

/** Waits until the child prints a line matching `pattern`; rejects if it exits or the timeout passes first. */
export function waitForLine (child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = ''
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8')
      const match = pattern.exec(buffer)
      if (match !== null) finish(() => resolve(match))
    }
    const onExit = (code: number | null): void => {
      finish(() => reject(new Error(`${child.name} exited (${code}) before it was ready:\n${child.tail()}`)))
    }
    const timer = setTimeout(() => finish(() => reject(new Error(`${child.name} not ready after ${timeoutMs} ms:\n${child.tail()}`))), timeoutMs)
    const finish = (settle: () => void): void => {
      clearTimeout(timer)
      child.process.stdout?.off('data', onData)
      child.process.stderr?.off('data', onData)
      child.process.off('exit', onExit)
      settle()
    }
    child.process.stdout?.on('data', onData)
    child.process.stderr?.on('data', onData)
    child.process.once('exit', onExit)
  })
}

/** Stops every child still running, in parallel. */
export async function stopAll (graceMs = 3000): Promise<void> {
  await Promise.all([...children].map(c => c.stop(graceMs)))
}

/** Last resort on process exit: SIGKILL to each remaining child by pid. */
export function killAllSync (): void {
  for (const child of children) {
    try { process.kill(child.pid, 'SIGKILL') } catch { /* already gone */ }
  }
  children.clear()
}

/**
 * Runs a bench script's `main` (resolving with the exit code): its children are stopped when it ends or fails and
 * on SIGINT, and killed if the process exits first; an error is printed as its message.
 */
export function runScript (main: () => Promise<number>): void {
  process.on('exit', killAllSync)
  process.once('SIGINT', () => { stopAll().finally(() => process.exit(130)) })
  main().then(async code => {
    await stopAll()
    process.exitCode = code
  }, async err => {
    process.stderr.write(`${(err as Error).message}\n`)
    await stopAll()
    process.exitCode = 1
  })
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
