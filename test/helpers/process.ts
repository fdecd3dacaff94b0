// Test helper: runs the real entry point as a child process and waits on what it prints, never on fixed sleeps.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  url: string
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
}

type Test = { teardown: (fn: () => unknown) => void }

/** Spawns `plugins/server.ts` (through tsx) with `env` on top of a minimal environment. */
export function spawnServer (t: Test, env: Record<string, string>): { child: ChildProcess, out: { stdout: string, stderr: string }, exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'plugins/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const out = { stdout: '', stderr: '' }
  child.stdout?.on('data', (chunk: Buffer) => { out.stdout += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { out.stderr += chunk.toString() })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return { child, out, exited }
}

/** Starts the server and resolves once it logs that it listens. */
export async function startServer (t: Test, env: Record<string, string>): Promise<ServerProcess> {
  const { child, out, exited } = spawnServer(t, env)
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout)
      if (match !== null) {
        child.stdout?.off('data', onData)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', onData)
    exited.then(code => reject(new Error(`server exited with ${String(code)} before listening: ${out.stderr}`)), reject)
  })
  return { child, url, stdout: () => out.stdout, stderr: () => out.stderr, exited }
}
