// Builds the ioredis client (standalone, Sentinel or cluster) with bounds that make a dead Redis fail fast instead of hanging.
import { Cluster, Redis } from 'ioredis'
import { RATE_COUNT_COMMAND } from './redis-rate-counter.js'
import { EVENT_SCRIPTS } from './redis-event-scripts.js'
import { SCRIPTS } from './redis-scripts.js'
import { followSwitches } from './sentinel-switch.js'

export type RedisClient = Redis | Cluster

export interface RedisClientOptions {
  /** redis:// or rediss:// URL of a standalone server. */
  url?: string
  /** Seed nodes of a Redis Cluster; takes precedence over `url`. */
  clusterNodes?: Array<{ host: string, port: number }>
  /** Sentinels to ask for the primary of `sentinelName`; takes precedence over `url`. */
  sentinels?: Array<{ host: string, port: number }>
  /** The master name the sentinels monitor. */
  sentinelName?: string
  /** Time a command may take before it fails. */
  commandTimeoutMs: number
  /** CLIENT SETNAME of the connections, to find them in CLIENT LIST. */
  name?: string
}

/** Longest pause between two reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 1000

/** Reconnects forever: 50 ms, 100 ms, ... capped at one second. */
function reconnectDelay (attempt: number): number {
  return Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS)
}

/**
 * Creates a connected-on-construction client that never queues commands while Redis is away:
 *
 * - `enableOfflineQueue: false`: a command sent while the connection is not ready fails at once
 *   ("Stream isn't writeable ..." / "Cluster isn't ready ..."), so nothing piles up during an outage.
 * - `commandTimeout`: a command sent on a connection that stopped answering fails after `commandTimeoutMs`.
 * - `socketTimeout` (twice that): a command that times out stays in ioredis' queue until its reply comes, so on a
 *   server that hangs (SIGSTOP, a stuck network) the queue would grow with every request; instead, a connection that
 *   returns no data for that long while commands wait is destroyed, which fails them all, and is redialled. While it
 *   is being redialled commands fail at once (no offline queue), so the queue stays bounded by the requests of the
 *   last two timeouts. A server that answers again within that time keeps its connection.
 * - `maxRetriesPerRequest: 0`: commands in flight when the connection drops fail then, and are never
 *   replayed after the reconnect (a replayed Lua write could apply twice).
 * - reconnection keeps trying forever with a backoff capped at one second, so service resumes by itself.
 * - an 'error' listener is attached, so a Redis that is down at start never crashes the process;
 *   callers may attach their own listeners to log (ioredis errors carry no command arguments).
 *
 * Sentinel mode applies the same bounds to the connection to the primary; see `sentinelOptions`.
 *
 * Cluster mode applies the same bounds: `enableOfflineQueue: false` on the cluster (per-node connections
 * keep ioredis' own queue, bounded by `commandTimeout`), `clusterRetryStrategy` and
 * `clusterNodeRetryStrategy` with the same capped backoff, so a lost node is retried rather than dropped.
 */
export function createRedisClient (options: RedisClientOptions): RedisClient {
  const timeout = options.commandTimeoutMs
  const common = {
    commandTimeout: timeout,
    // A connection that returns nothing for two command timeouts while commands wait is dropped and redialled:
    // its queue is failed at once instead of growing with every request while the server hangs.
    socketTimeout: 2 * timeout,
    connectTimeout: Math.max(2 * timeout, 1000),
    maxRetriesPerRequest: 0,
    connectionName: options.name,
    // Commands issued in the same tick leave in one write; the rate count, already one call per turn, leaves at once.
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: [RATE_COUNT_COMMAND]
  }
  let client: RedisClient
  if (options.clusterNodes !== undefined && options.clusterNodes.length > 0) {
    client = new Cluster(options.clusterNodes, {
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      clusterNodeRetryStrategy: reconnectDelay,
      slotsRefreshTimeout: Math.max(timeout, 500),
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 8,
      enableAutoPipelining: true,
      // A script call starts with its key count, which auto-pipelining takes for a key: scripts of different slots
      // issued in one tick would share a pipeline the cluster refuses. Each script call leaves on its own.
      autoPipeliningIgnoredCommands: [RATE_COUNT_COMMAND, ...Object.keys(SCRIPTS), ...Object.keys(EVENT_SCRIPTS)],
      redisOptions: common
    })
  } else if (options.sentinels !== undefined && options.sentinels.length > 0) {
    const name = options.sentinelName ?? 'mymaster'
    const sentinel = new Redis({ ...common, ...sentinelOptions(options.sentinels, name, timeout) })
    followSwitches(sentinel, options.sentinels, name, common.connectTimeout)
    client = sentinel
  } else if (options.url !== undefined) {
    client = new Redis(options.url, {
      ...common,
      enableOfflineQueue: false,
      retryStrategy: reconnectDelay,
      lazyConnect: false
    })
  } else {
    throw new Error('createRedisClient needs a url, sentinels or cluster nodes')
  }
  client.on('error', () => {
    // Connection errors are reported to the callers of the failing commands; reconnection is automatic.
  })
  return client
}

/** The server said it is a replica: this connection outlived a failover that demoted its server. */
function demoted (err: Error): boolean {
  return err.message.startsWith('READONLY')
}

/**
 * A client that finds the primary through the sentinels, on every (re)connection:
 *
 * - each reconnection (same capped backoff) asks the sentinels again, so after a failover the client lands on the
 *   promoted replica; until the sentinels name one, the dead primary refuses and the client keeps retrying;
 * - the ready check compares the server's role with 'master', so a connection to a server that is no longer the
 *   primary is dropped and redialled;
 * - a sentinel announcing a switch to another address redials the client at once (see sentinel-switch.ts), so a
 *   primary demoted while alive, or frozen, is left without waiting for the sentinels to reconfigure it;
 * - a READONLY reply (a write that still reached a demoted primary) fails its command, which is not resent, and
 *   reconnects;
 * - sentinel queries have the command timeout; when no sentinel answers, the same capped backoff applies.
 */
function sentinelOptions (sentinels: Array<{ host: string, port: number }>, name: string, timeout: number) {
  return {
    sentinels,
    name,
    role: 'master' as const,
    enableOfflineQueue: false,
    retryStrategy: reconnectDelay,
    sentinelRetryStrategy: reconnectDelay,
    sentinelCommandTimeout: timeout,
    failoverDetector: false,
    reconnectOnError: (err: Error) => demoted(err) ? 1 as const : false,
    lazyConnect: false
  }
}

/** Resolves when the client is ready for commands (at once if it already is). */
export async function whenReady (client: RedisClient): Promise<void> {
  if (client.status === 'ready') return
  await new Promise<void>((resolve, reject) => {
    const onReady = (): void => { client.off('end', onEnd); resolve() }
    const onEnd = (): void => { client.off('ready', onReady); reject(new Error('the Redis client was closed')) }
    client.once('ready', onReady)
    client.once('end', onEnd)
  })
}
