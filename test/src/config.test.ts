// Configuration: defaults, validation, and the one-line failure that names the variable but never its value.
import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'

const KEY_BYTES = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 1))
const KEY = KEY_BYTES.toString('base64')
const TOKEN = 'x'.repeat(32)

t.test('embedded defaults', async t => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.redisPrefix, 'tm:')
  t.equal(config.embedded, true)
  t.equal(config.generatedAdminToken, true)
  t.ok(config.adminToken.length >= 24)
  t.equal(config.masterKey.key.length, 32, 'a master key is generated for the process')
  t.equal(config.publicUrl, 'http://localhost:3000')
  t.ok(config.jwksMaxAge <= 300)
  t.equal(config.keygenConcurrency, 1, 'one RSA generation at a time')
  t.equal(loadConfig({ KEYGEN_CONCURRENCY: '3' }).keygenConcurrency, 3)
})

t.test('Redis mode takes the master key and admin token from the environment', async t => {
  const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6380', MASTER_KEY: KEY, ADMIN_TOKEN: TOKEN, MASTER_KEY_PREVIOUS: Buffer.alloc(32, 2).toString('base64'), PUBLIC_URL: 'https://auth.example.com/' })
  t.equal(config.embedded, false)
  t.equal(config.generatedAdminToken, false)
  t.same(config.masterKey.key, KEY_BYTES)
  t.equal(config.previousMasterKeys.length, 1)
  t.not(config.previousMasterKeys[0].id, config.masterKey.id)
  t.equal(config.publicUrl, 'https://auth.example.com', 'a trailing slash is dropped')
  const cluster = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001', MASTER_KEY: KEY, ADMIN_TOKEN: TOKEN })
  t.same(cluster.redisClusterNodes, [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }])
})

t.test('bad configuration names the variable and never echoes the value', async t => {
  const secretish = 'c2VjcmV0LXZhbHVlLXRoYXQtaXMtbm90LTMyLWJ5dGVz'
  const cases: Array<[Record<string, string>, string]> = [
    [{ MASTER_KEY: secretish }, 'MASTER_KEY'],
    [{ MASTER_KEY: 'not base64 at all!' }, 'MASTER_KEY'],
    [{ REDIS_URL: 'redis://127.0.0.1:6379', ADMIN_TOKEN: TOKEN }, 'MASTER_KEY'],
    [{ REDIS_URL: 'redis://127.0.0.1:6379', MASTER_KEY: KEY }, 'ADMIN_TOKEN'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ REDIS_URL: 'http://example.com' }, 'REDIS_URL'],
    [{ REDIS_CLUSTER_NODES: 'nohostport', MASTER_KEY: KEY, ADMIN_TOKEN: TOKEN }, 'REDIS_CLUSTER_NODES'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CACHE_TTL_MS: '-1' }, 'CACHE_TTL_MS'],
    [{ JWKS_MAX_AGE: '301' }, 'JWKS_MAX_AGE'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ REDIS_PREFIX: '{bad}' }, 'REDIS_PREFIX'],
    [{ KEYGEN_CONCURRENCY: '0' }, 'KEYGEN_CONCURRENCY'],
    [{ KEYGEN_CONCURRENCY: 'two' }, 'KEYGEN_CONCURRENCY'],
    [{ ROTATION_MIN_PERIOD: '0' }, 'ROTATION_MIN_PERIOD'],
    [{ KEYRING_MAX_RETIRED: 'twenty' }, 'KEYRING_MAX_RETIRED'],
    [{ AUDIT_RETENTION_DAYS: '0' }, 'AUDIT_RETENTION_DAYS'],
    [{ VERIFIERS_MAX: '0' }, 'VERIFIERS_MAX'],
    [{ VERIFIER_WINDOW: '7d' }, 'VERIFIER_WINDOW']
  ]
  for (const [env, variable] of cases) {
    try {
      loadConfig(env)
      t.fail(`${variable} should have been refused`)
    } catch (err) {
      t.ok(err instanceof ConfigError, `${variable}: a ConfigError`)
      const message = (err as Error).message
      t.match(message, variable, `${variable}: named`)
      for (const value of Object.values(env)) if (value.length > 6) t.notMatch(message, value, `${variable}: value not echoed`)
      t.notMatch(message, '\n', `${variable}: one line`)
    }
  }
})

t.test('unsafe defaults are refused, naming the variable and never its value', async t => {
  t.equal(loadConfig({}).host, '127.0.0.1', 'dev mode (it prints its admin token) listens on loopback only')
  t.equal(loadConfig({ HOST: '0.0.0.0' }).host, '0.0.0.0', 'unless HOST says otherwise')
  t.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6380', MASTER_KEY: KEY, ADMIN_TOKEN: TOKEN }).host, '0.0.0.0', 'with Redis: every interface')

  t.equal(loadConfig({ ADMIN_TOKEN: 'y'.repeat(32) }).adminToken, 'y'.repeat(32), '32 characters are enough')
  t.equal(loadConfig({ METRICS_TOKEN: 'm'.repeat(32) }).metricsToken, 'm'.repeat(32), 'for METRICS_TOKEN too')
  t.equal(loadConfig({}).metricsToken, undefined, 'METRICS_TOKEN is optional')
  const refusals: Array<{ env: Record<string, string>, variable: string, value: string }> = [
    { env: { ADMIN_TOKEN: 'aaaaaaaaaaaaaaaa' }, variable: 'ADMIN_TOKEN', value: 'aaaaaaaaaaaaaaaa' },
    { env: { ADMIN_TOKEN: 'y'.repeat(31) }, variable: 'ADMIN_TOKEN', value: 'y'.repeat(31) },
    { env: { METRICS_TOKEN: 'm'.repeat(31) }, variable: 'METRICS_TOKEN', value: 'm'.repeat(31) },
    ...[0, 7, 0xff].map(byte => ({ env: { MASTER_KEY: Buffer.alloc(32, byte).toString('base64') }, variable: 'MASTER_KEY', value: Buffer.alloc(32, byte).toString('base64') })),
    { env: { REDIS_URL: 'redis://127.0.0.1:6380', MASTER_KEY: Buffer.alloc(32).toString('base64'), ADMIN_TOKEN: TOKEN }, variable: 'MASTER_KEY', value: Buffer.alloc(32).toString('base64') }
  ]
  for (const { env, variable, value } of refusals) {
    const err = t.throws(() => loadConfig(env), ConfigError, variable) as ConfigError
    t.equal(err.variable, variable)
    t.match(err.message, new RegExp(`^invalid configuration: ${variable} `))
    t.notMatch(err.message, value, 'the value is not echoed')
  }
  const previous = loadConfig({ MASTER_KEY: KEY, MASTER_KEY_PREVIOUS: Buffer.alloc(32).toString('base64') })
  t.equal(previous.previousMasterKeys.length, 1, 'a weak key may stay a previous one while records move off it')
})

t.test('TRUST_PROXY takes a boolean, a hop count or proxy addresses', async t => {
  t.equal(loadConfig({}).trustProxy, false)
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1)
  t.equal(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy, '10.0.0.0/8, 127.0.0.1')
  t.throws(() => loadConfig({ TRUST_PROXY: 'everyone' }), /TRUST_PROXY/)
})

t.test('Redis Sentinel and acknowledged replicas', async t => {
  const base = { MASTER_KEY: KEY, ADMIN_TOKEN: 'x'.repeat(32) }
  const sentinel = loadConfig({ ...base, REDIS_SENTINELS: 's1:26379, s2:26380' })
  t.equal(sentinel.embedded, false)
  t.same(sentinel.redisSentinels, [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }])
  t.equal(sentinel.redisSentinelName, 'mymaster', 'the name sentinels use by default')
  t.equal(sentinel.redisMinReplicas, 0, 'no replica must acknowledge by default')
  const named = loadConfig({ ...base, REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'tokens-1', REDIS_MIN_REPLICAS: '1' })
  t.equal(named.redisSentinelName, 'tokens-1')
  t.equal(named.redisMinReplicas, 1)
  t.throws(() => loadConfig({ REDIS_SENTINELS: 's1:26379', ADMIN_TOKEN: 'x'.repeat(20) }), /MASTER_KEY is required when REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS/)

  const cases: Array<[Record<string, string>, string]> = [
    [{ REDIS_SENTINELS: 's1' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 's1:99999' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: ' , ' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 's1:26379', REDIS_URL: 'redis://127.0.0.1:6379' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 's1:26379', REDIS_CLUSTER_NODES: 'n1:7000' }, 'REDIS_SENTINELS'],
    [{ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'my master' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_MIN_REPLICAS: '-1' }, 'REDIS_MIN_REPLICAS'],
    [{ REDIS_MIN_REPLICAS: '17' }, 'REDIS_MIN_REPLICAS']
  ]
  for (const [env, variable] of cases) {
    t.throws(() => loadConfig({ ...base, ...env }), { name: 'ConfigError', variable }, `${JSON.stringify(env)}: ${variable} named`)
  }
})

t.test('rotation, keyring and audit bounds have safe defaults and can be set', async t => {
  const defaults = loadConfig({})
  t.equal(defaults.rotationMinPeriod, 3600)
  t.equal(defaults.keyringMaxRetired, 20)
  t.equal(defaults.auditRetentionDays, 365)
  const set = loadConfig({ ROTATION_MIN_PERIOD: '60', KEYRING_MAX_RETIRED: '3', AUDIT_RETENTION_DAYS: '30' })
  t.same([set.rotationMinPeriod, set.keyringMaxRetired, set.auditRetentionDays], [60, 3, 30])
})

t.test('verifier bounds: VERIFIERS_MAX 1,000 and VERIFIER_WINDOW 7 days by default, and can be set', async t => {
  const defaults = loadConfig({})
  t.same([defaults.verifiersMax, defaults.verifierWindow], [1000, 604_800])
  const set = loadConfig({ VERIFIERS_MAX: '50', VERIFIER_WINDOW: '3600' })
  t.same([set.verifiersMax, set.verifierWindow], [50, 3600])
})
