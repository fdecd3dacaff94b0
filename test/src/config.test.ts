// Configuration: defaults, validation, and the one-line failure that names the variable but never its value.
import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'

const KEY = Buffer.alloc(32, 1).toString('base64')

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
})

t.test('Redis mode takes the master key and admin token from the environment', async t => {
  const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6380', MASTER_KEY: KEY, ADMIN_TOKEN: 'x'.repeat(20), MASTER_KEY_PREVIOUS: Buffer.alloc(32, 2).toString('base64'), PUBLIC_URL: 'https://auth.example.com/' })
  t.equal(config.embedded, false)
  t.equal(config.generatedAdminToken, false)
  t.same(config.masterKey.key, Buffer.alloc(32, 1))
  t.equal(config.previousMasterKeys.length, 1)
  t.not(config.previousMasterKeys[0].id, config.masterKey.id)
  t.equal(config.publicUrl, 'https://auth.example.com', 'a trailing slash is dropped')
  const cluster = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001', MASTER_KEY: KEY, ADMIN_TOKEN: 'x'.repeat(20) })
  t.same(cluster.redisClusterNodes, [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }])
})

t.test('bad configuration names the variable and never echoes the value', async t => {
  const secretish = 'c2VjcmV0LXZhbHVlLXRoYXQtaXMtbm90LTMyLWJ5dGVz'
  const cases: Array<[Record<string, string>, string]> = [
    [{ MASTER_KEY: secretish }, 'MASTER_KEY'],
    [{ MASTER_KEY: 'not base64 at all!' }, 'MASTER_KEY'],
    [{ REDIS_URL: 'redis://127.0.0.1:6379', ADMIN_TOKEN: 'x'.repeat(20) }, 'MASTER_KEY'],
    [{ REDIS_URL: 'redis://127.0.0.1:6379', MASTER_KEY: KEY }, 'ADMIN_TOKEN'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ REDIS_URL: 'http://example.com' }, 'REDIS_URL'],
    [{ REDIS_CLUSTER_NODES: 'nohostport', MASTER_KEY: KEY, ADMIN_TOKEN: 'x'.repeat(20) }, 'REDIS_CLUSTER_NODES'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CACHE_TTL_MS: '-1' }, 'CACHE_TTL_MS'],
    [{ JWKS_MAX_AGE: '301' }, 'JWKS_MAX_AGE'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ REDIS_PREFIX: '{bad}' }, 'REDIS_PREFIX'],
    [{ ROTATION_MIN_PERIOD: '0' }, 'ROTATION_MIN_PERIOD'],
    [{ KEYRING_MAX_RETIRED: 'twenty' }, 'KEYRING_MAX_RETIRED'],
    [{ AUDIT_RETENTION_DAYS: '0' }, 'AUDIT_RETENTION_DAYS']
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

t.test('TRUST_PROXY takes a boolean, a hop count or proxy addresses', async t => {
  t.equal(loadConfig({}).trustProxy, false)
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1)
  t.equal(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy, '10.0.0.0/8, 127.0.0.1')
  t.throws(() => loadConfig({ TRUST_PROXY: 'everyone' }), /TRUST_PROXY/)
})

t.test('rotation, keyring and audit bounds have safe defaults and can be set', async t => {
  const defaults = loadConfig({})
  t.equal(defaults.rotationMinPeriod, 3600)
  t.equal(defaults.keyringMaxRetired, 20)
  t.equal(defaults.auditRetentionDays, 365)
  const set = loadConfig({ ROTATION_MIN_PERIOD: '60', KEYRING_MAX_RETIRED: '3', AUDIT_RETENTION_DAYS: '30' })
  t.same([set.rotationMinPeriod, set.keyringMaxRetired, set.auditRetentionDays], [60, 3, 30])
})
