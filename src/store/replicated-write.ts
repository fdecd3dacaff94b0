// An admin write that counts only once enough replicas hold it: the write and a Redis WAIT sent together on the connection that runs the write.
import { TokenmintError } from '../errors.js'
import type { RedisClient } from './redis-client.js'

export type RedisArgument = string | number

export interface ReplicationOptions {
  /** Replicas that must acknowledge the write; 0 sends no WAIT at all. */
  minReplicas: number
  /** WAIT's own timeout (ms): shorter than the client's command timeout, so WAIT answers before the client gives up. */
  timeoutMs: number
}

/** Cluster replies that mean the write did not run (wrong node, slot moving, cluster reconfiguring): it may be sent again. */
const NOT_RUN = /^(?:MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /
/** Attempts of a write that a cluster answered with NOT_RUN, while it refreshes its slot map. */
const ATTEMPTS = 4
const RETRY_DELAY_MS = 100

/** 503: the write ran, but fewer than `minReplicas` replicas confirmed it in time. */
export function notReplicated (minReplicas: number, cause?: unknown): TokenmintError {
  return new TokenmintError('STORE_UNAVAILABLE',
    `the write was not confirmed by ${minReplicas} ${minReplicas === 1 ? 'replica' : 'replicas'} in time; it may have been applied: read it again before retrying`,
    { cause })
}

/**
 * Runs `command ...args` and then `WAIT minReplicas timeoutMs`, both in one pipeline, and resolves with the
 * command's reply only when WAIT counts at least `minReplicas` replicas.
 *
 * WAIT counts the replicas that acknowledged every write sent before it *on the same connection*. One pipeline keeps
 * the two together: on a standalone or Sentinel client there is one connection, and a pipeline on a cluster goes to
 * the node serving the command's keys, so WAIT counts that node's replicas. Were WAIT sent on its own after the
 * reply, a reconnection in between (a failover) would put it on a fresh connection with nothing to wait for, and it
 * would count replicas that never saw the write.
 *
 * - The command fails: its error is thrown (a domain error reply, or a connection error that ioredis maps later);
 *   a cluster's MOVED/ASK/TRYAGAIN/CLUSTERDOWN means nothing ran, so the pair is sent again after the slot map is
 *   refreshed, a few times.
 * - The command ran but WAIT failed or counted too few replicas: `notReplicated` (503, "may have been applied").
 *
 * Scripts go as EVAL with their source, never EVALSHA: ioredis answers a NOSCRIPT by sending the script again
 * outside the pipeline, after the WAIT.
 */
export async function replicatedCall (client: RedisClient, command: string, args: RedisArgument[], options: ReplicationOptions): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const replies = await client.pipeline()
      .call(command, ...args)
      .call('WAIT', options.minReplicas, options.timeoutMs)
      .exec()
    if (replies === null) throw new Error('the pipeline was discarded')
    const [[error, reply], [waitError, acknowledged]] = replies
    if (error !== null) {
      if (client.isCluster && NOT_RUN.test(error.message) && attempt < ATTEMPTS) {
        await refreshed(client)
        continue
      }
      throw error
    }
    if (waitError !== null) throw notReplicated(options.minReplicas, waitError)
    if (Number(acknowledged) < options.minReplicas) throw notReplicated(options.minReplicas)
    return reply
  }
}

/** Waits a moment and for the cluster client's slot map to be read again (a standalone client just waits). */
async function refreshed (client: RedisClient): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, RETRY_DELAY_MS))
  if (!('refreshSlotsCache' in client)) return
  await new Promise<void>(resolve => { client.refreshSlotsCache(() => { resolve() }) })
}
