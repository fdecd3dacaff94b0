// Where a webhook may point: https only (unless allowed), never at loopback, private, link-local or unspecified addresses.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { TokenmintError } from '../errors.js'

export interface UrlPolicy {
  /** WEBHOOK_ALLOW_HTTP */
  allowHttp: boolean
  /** WEBHOOK_ALLOW_PRIVATE */
  allowPrivate: boolean
}

const RANGES: Array<[reason: string, family: 'ipv4' | 'ipv6', network: string, prefix: number]> = [
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['loopback', 'ipv6', '::1', 128],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['private', 'ipv4', '100.64.0.0', 10],
  ['private', 'ipv6', 'fc00::', 7],
  ['link-local', 'ipv4', '169.254.0.0', 16],
  ['link-local', 'ipv6', 'fe80::', 10],
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['unspecified', 'ipv6', '::', 128]
]
const BLOCKS = RANGES.map(([reason, family, network, prefix]) => {
  const list = new BlockList()
  list.addSubnet(network, prefix, family)
  return { reason, family, list }
})

/** Why an address may not be a webhook's, or undefined when it may. IPv4-mapped IPv6 addresses count as their IPv4. */
export function forbiddenAddress (address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  const ip = mapped ?? address
  const family = isIP(ip) === 4 ? 'ipv4' : isIP(ip) === 6 ? 'ipv6' : undefined
  if (family === undefined) return 'not an IP address'
  return BLOCKS.find(block => block.family === family && block.list.check(ip, family))?.reason
}

function forbidden (reason: string): TokenmintError {
  return new TokenmintError('WEBHOOK_URL_FORBIDDEN', `/url ${reason}`, { errors: [{ path: '/url', message: reason }] })
}

/** The URL's host without the brackets of an IPv6 literal. */
function hostOf (url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1')
}

/** Parses and checks the scheme: WEBHOOK_URL_FORBIDDEN naming the reason. */
export function parseWebhookUrl (raw: string, policy: UrlPolicy): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new TokenmintError('VALIDATION_FAILED', '/url must be an absolute URL', { errors: [{ path: '/url', message: 'must be an absolute URL' }] })
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw forbidden(policy.allowHttp ? 'must use https or http' : 'must use https (http needs WEBHOOK_ALLOW_HTTP=true)')
  }
  if (url.username !== '' || url.password !== '') throw forbidden('must not carry credentials')
  return url
}

/** Every address the host resolves to (an IP literal: itself); WEBHOOK_URL_FORBIDDEN when one is not allowed. */
export async function checkWebhookUrl (raw: string, policy: UrlPolicy): Promise<URL> {
  const url = parseWebhookUrl(raw, policy)
  if (policy.allowPrivate) return url
  const host = hostOf(url)
  const addresses = isIP(host) !== 0 ? [host] : await resolve(host)
  for (const address of addresses) {
    const reason = forbiddenAddress(address)
    if (reason !== undefined) throw forbidden(`resolves to a ${reason} address (${address}); WEBHOOK_ALLOW_PRIVATE=true allows it`)
  }
  return url
}

async function resolve (host: string): Promise<string[]> {
  return await new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => {
      if (err !== null) reject(forbidden(`has a host that does not resolve (${err.code ?? err.message})`))
      else resolve(addresses.map(a => a.address))
    })
  })
}

/**
 * The lookup of a delivery's connection: it resolves the host and refuses a forbidden address, and the socket then
 * connects to the very address it checked, so a DNS answer that changes between check and connect gains nothing.
 */
export function guardedLookup (policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses: LookupAddress[]) => {
      if (err !== null) return callback(err, '', 0)
      const usable = policy.allowPrivate ? addresses : addresses.filter(a => forbiddenAddress(a.address) === undefined)
      if (usable.length === 0 || usable.length < addresses.length) {
        const bad = addresses.find(a => forbiddenAddress(a.address) !== undefined)
        return callback(Object.assign(new Error(`${hostname} resolves to a ${forbiddenAddress(bad?.address ?? '') ?? 'forbidden'} address`), { code: 'WEBHOOK_URL_FORBIDDEN' }), '', 0)
      }
      if (options.all === true) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable)
      callback(null, usable[0].address, usable[0].family)
    })
  }
}

/** An IP-literal host is connected to without a lookup: it is checked here. Returns the reason it is refused, if any. */
export function forbiddenLiteral (url: URL, policy: UrlPolicy): string | undefined {
  if (policy.allowPrivate) return undefined
  const host = hostOf(url)
  return isIP(host) === 0 ? undefined : forbiddenAddress(host)
}
