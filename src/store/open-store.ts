// Opens the store the config names: Redis (standalone, Sentinel or cluster) or, in embedded dev mode, the in-process store.
import { Cluster, type Redis } from 'ioredis'
import type { Config } from '../config.js'
import { MemoryStore } from './memory-store.js'
import { createRedisClient, type RedisClient } from './redis-client.js'
import { RedisStore } from './redis-store.js'
import type { Store } from './store.js'

export interface StoreLogger {
  warn: (fields: object, message: string) => void
  info: (fields: object, message: string) => void
}

/** Warns, once the client first connects, when Redis keeps nothing on disk: keys live there. */
async function checkPersistence (client: RedisClient, log: StoreLogger): Promise<void> {
  try {
    const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client]
    for (const node of nodes) {
      const [, aof] = await node.config('GET', 'appendonly') as [string, string]
      const [, save] = await node.config('GET', 'save') as [string, string]
      if (aof !== 'yes' && (save === undefined || save.trim() === '')) {
        log.warn({ appendonly: aof, save }, 'the connected Redis persists nothing (no AOF, no RDB snapshots): every key would be lost on its restart')
        return
      }
    }
  } catch {
    // CONFIG may be disabled (managed Redis); nothing to say then.
  }
}

export function openStore (config: Config, log: StoreLogger): Store {
  const auditRetentionMs = config.auditRetentionDays * 86_400_000
  if (config.embedded) return new MemoryStore({ auditRetentionMs })
  const options = {
    url: config.redisUrl,
    clusterNodes: config.redisClusterNodes,
    sentinels: config.redisSentinels,
    sentinelName: config.redisSentinelName,
    commandTimeoutMs: config.redisCommandTimeoutMs
  }
  const client = createRedisClient({ ...options, name: 'tokenmint' })
  const subscriber = createRedisClient({ ...options, name: 'tokenmint-sub' })
  client.once('ready', () => { checkPersistence(client, log).catch(() => {}) })
  // WAIT answers in half the command timeout, so a missing replica is reported before the command itself times out.
  const replication = { minReplicas: config.redisMinReplicas, timeoutMs: Math.floor(config.redisCommandTimeoutMs / 2) }
  const store = new RedisStore({ client, subscriber, prefix: config.redisPrefix, replication, auditRetentionMs })
  store.onConnectionError(err => log.warn({ message: err.message }, 'redis connection error'))
  return store
}
