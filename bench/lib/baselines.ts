// Starts a baseline server (bench/baselines/*.ts) as one node process with the tsx loader and waits for "listening <port>".
import { BASELINES, type BaselineId } from './cases.js'
import { spawnTracked, waitForLine, type Child } from './processes.js'
import { ROOT } from './tokenmint.js'

export interface RunningServer { port: number, pid: number, child?: Child }

export async function startBaseline (id: BaselineId, timeoutMs = 30_000): Promise<RunningServer> {
  const spec = BASELINES[id]
  // `node --import tsx` keeps the server in this one process, so /proc/<pid> is the server itself.
  const child = spawnTracked(id, process.execPath, ['--import', 'tsx', spec.script, '0', ...spec.args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production' }
  })
  try {
    const match = await waitForLine(child, /listening (\d+)/, timeoutMs)
    return { port: Number(match[1]), pid: child.pid, child }
  } catch (err) {
    await child.stop()
    throw err
  }
}
