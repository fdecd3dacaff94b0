// Follows the sentinels' +switch-master announcements: a Sentinel client still connected to the primary they replaced is redialled.
import { Redis } from 'ioredis'

type Address = { host: string, port: number }

/** Longest pause between two attempts to reach a sentinel that is down. */
const MAX_RETRY_DELAY_MS = 1000

/** '::ffff:10.0.0.1' and '10.0.0.1' name the same IPv4 peer. */
function normalized (ip: string | undefined): string {
  return (ip ?? '').replace(/^::ffff:/, '')
}

/**
 * The leader announces the promoted replica as soon as it is a primary (+promoted-slave), before it reconfigures the
 * other replicas; every sentinel announces the switch once it is done (+switch-master).
 */
const PROMOTED = '+promoted-slave'
const SWITCHED = '+switch-master'

/** How long after an announcement a client that lands elsewhere is redialled again (sentinels agree within seconds). */
const FOLLOW_MS = 30_000

/**
 * A primary that is demoted while alive (a manual failover, a partition that heals, a primary that froze) keeps the
 * connections it had until the sentinels reconfigure it, which can take seconds: a write it takes then is lost, and
 * a subscriber that sends nothing never notices a frozen server. So every sentinel is watched (one connection each,
 * retried forever), and when one announces that `name` moved to an address other than the one `client` is connected
 * to, the client is redialled; it then asks the sentinels for the primary again. Leaving at +promoted-slave rather
 * than at +switch-master matters for a primary demoted alive: until the other replicas are reconfigured, one of them
 * may still acknowledge writes the old primary takes, which it drops when it follows the new one. A sentinel that has not heard of
 * the switch yet may still name the old primary: a client that lands anywhere but the announced address within
 * FOLLOW_MS of the announcement is redialled again, until the sentinels agree.
 *
 * Only a client that is ready is redialled (redialling one that is already connecting would end it for good, which
 * is why ioredis's own `failoverDetector` is not used); a client that is connecting is checked once it is ready.
 * An announcement of the address the client already has changes nothing, so each sentinel announcing the same
 * switch costs nothing. The watchers close with the client.
 */
export function followSwitches (client: Redis, sentinels: Address[], name: string, connectTimeoutMs: number): void {
  let wanted: { ip: string, port: number, until: number } | undefined
  const redialIfElsewhere = (): void => {
    if (wanted === undefined || client.status !== 'ready') return
    const peer = client.stream
    if (performance.now() > wanted.until || (normalized(peer.remoteAddress) === normalized(wanted.ip) && peer.remotePort === wanted.port)) {
      wanted = undefined
      return
    }
    client.disconnect(true)
  }
  client.on('ready', redialIfElsewhere)
  const watchers = sentinels.map(({ host, port }) => {
    const watcher = new Redis({
      host,
      port,
      connectTimeout: connectTimeoutMs,
      enableReadyCheck: false,
      retryStrategy: attempt => Math.min(attempt * 50, MAX_RETRY_DELAY_MS)
    })
    watcher.on('error', () => {
      // A sentinel that is down is retried; the others still announce.
    })
    watcher.on('message', (channel: string, message: string) => {
      const parts = message.split(' ')
      // +promoted-slave: "slave <ip:port> <ip> <port> @ <name> <old ip> <old port>"; +switch-master: "<name> <old ip> <old port> <ip> <port>"
      const [master, ip, newPort] = channel === PROMOTED ? [parts[5], parts[2], parts[3]] : [parts[0], parts[3], parts[4]]
      if (master !== name) return
      wanted = { ip, port: Number(newPort), until: performance.now() + FOLLOW_MS }
      redialIfElsewhere()
    })
    watcher.subscribe(PROMOTED, SWITCHED).catch(() => {})
    return watcher
  })
  client.once('end', () => { for (const watcher of watchers) watcher.disconnect() })
}
