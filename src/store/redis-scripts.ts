// The Lua scripts that make every tenant write one atomic step: preconditions, audit entry, records, version, publish.

/*
 * Every write script takes the same first keys and arguments:
 *   KEYS[1] tenant   KEYS[2] ver   KEYS[3] keys   KEYS[4] apikeys   KEYS[5] audit   KEYS[6] outbox   (KEYS[7] once-marker)
 *   ARGV[1..6] audit at, actor (then "\n" and the actor's name, when it has one), action, tenant, kid ('' when none), ip
 *   ARGV[7] audit retention ms
 *   ARGV[8] change channel   ARGV[9] tenant id   ARGV[10..] the write's own arguments
 *   ARGV[#ARGV] the write's outbox events: a JSON list of event JSON strings, appended by tm_bump
 * Audit entries get the stream id "<at>-<seq>" (at clamped to the stream's last id, so ids only grow): the
 * id orders the log and trims it by age (MINID at - retention), and the stream expires retention after its
 * last entry, so entries are kept for the retention also after their tenant is deleted, and not much longer.
 * Lua does not roll back: the preconditions are checked before any write, the audit XADD is the
 * first write (a failing audit write leaves nothing written), then the records, then the outbox events, INCR and
 * PUBLISH: a write that changed nothing (a failed precondition, a claimed marker) appends no event.
 * Domain failures are error replies whose first word is the TokenmintError code.
 */
const PRELUDE = `
-- Appends one audit entry, given as a list of field/value pairs whose second value is its time in ms.
local function tm_xadd(f)
  local ms = tonumber(f[2])
  local last = redis.call('XREVRANGE', KEYS[5], '+', '-', 'COUNT', 1)[1]
  if last then
    local lms = tonumber(string.match(last[1], '^(%d+)-'))
    if lms > ms then ms = lms end
  end
  local retention = tonumber(ARGV[7])
  redis.call('XADD', KEYS[5], 'MINID', string.format('%d', ms - retention), string.format('%d', ms) .. '-*', unpack(f))
  redis.call('PEXPIRE', KEYS[5], retention)
end
-- Appends one audit entry from its values (name and kid may be nil): at, actor, actorName?, action, tenant, kid?, ip.
local function tm_entry(at, actor, name, action, tenant, kid, ip)
  local f = {'at', at, 'actor', actor}
  if name then
    f[#f + 1] = 'actorName'
    f[#f + 1] = name
  end
  f[#f + 1] = 'action'
  f[#f + 1] = action
  f[#f + 1] = 'tenant'
  f[#f + 1] = tenant
  if kid then
    f[#f + 1] = 'kid'
    f[#f + 1] = kid
  end
  f[#f + 1] = 'ip'
  f[#f + 1] = ip
  tm_xadd(f)
end
local function tm_audit()
  local actor, name = string.match(ARGV[2], '^([^\\n]*)\\n(.*)$')
  local kid = nil
  if ARGV[5] ~= '' then kid = ARGV[5] end
  tm_entry(ARGV[1], actor or ARGV[2], name, ARGV[3], ARGV[4], kid, ARGV[6])
end
-- The outbox stream is created with the delivery workers' consumer group, so no event is written before the group.
local function tm_outbox()
  local events = cjson.decode(ARGV[#ARGV])
  if #events == 0 then return end
  if redis.call('EXISTS', KEYS[6]) == 0 then
    redis.pcall('XGROUP', 'CREATE', KEYS[6], 'deliver', '0', 'MKSTREAM')
  end
  for _, e in ipairs(events) do
    redis.call('XADD', KEYS[6], '*', 'e', e)
  end
end
local function tm_bump()
  tm_outbox()
  local v = redis.call('INCR', KEYS[2])
  redis.call('PUBLISH', ARGV[8], ARGV[9] .. ' ' .. v)
  return v
end
local function tm_require_tenant()
  if redis.call('EXISTS', KEYS[1]) == 0 then
    return redis.error_reply('TENANT_NOT_FOUND')
  end
end
-- Appends an audit entry given as a JSON object {at, actor, actorName?, action, tenant, kid?, ip} (all strings).
local function tm_audit_json(e)
  tm_entry(e.at, e.actor, e.actorName, e.action, e.tenant, e.kid, e.ip)
end
-- The record of key ARGV[10] of an existing tenant; or nil and the error reply (TENANT_NOT_FOUND, KEY_NOT_FOUND).
local function tm_existing_key()
  local missing = tm_require_tenant()
  if missing then return nil, missing end
  local json = redis.call('HGET', KEYS[3], ARGV[10])
  if not json then return nil, redis.error_reply('KEY_NOT_FOUND') end
  return json
end
-- A key record carries its position in the keyring as "_n" (the hash itself is unordered).
local function tm_ordered(json, n)
  return '{"_n":' .. n .. ',' .. string.sub(json, 2)
end
`

/** ARGV[10] tenant JSON, ARGV[11] first key kid ('' for none), ARGV[12] first key JSON. Returns the version. */
const CREATE_TENANT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.error_reply('TENANT_EXISTS')
end
tm_audit()
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('SET', KEYS[1], ARGV[10])
if ARGV[11] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[11], tm_ordered(ARGV[12], 1))
end
return tm_bump()
`

/** ARGV[10] tenant JSON, ARGV[11] expected version. Returns the new version. */
const UPDATE_TENANT = `
local missing = tm_require_tenant()
if missing then return missing end
if tonumber(redis.call('GET', KEYS[2]) or '0') ~= tonumber(ARGV[11]) then
  return redis.error_reply('CONFLICT')
end
tm_audit()
redis.call('SET', KEYS[1], ARGV[10])
return tm_bump()
`

/** Removes the tenant, its keyring and its API keys; the audit stream and the version counter stay. */
const DELETE_TENANT = `
local missing = tm_require_tenant()
if missing then return missing end
tm_audit()
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
return tm_bump()
`

/**
 * ARGV[10] kid, ARGV[11] key JSON, ARGV[12] marker TTL ms (with KEYS[7]), ARGV[13] effects JSON:
 * { revoke: { kid, revokedAt, audit } | absent, destroy: [{ kid, audit }] } with every value a string.
 * Returns the version, or 0 when the marker exists.
 */
const APPEND_KEY = `
local missing = tm_require_tenant()
if missing then return missing end
if KEYS[7] and redis.call('EXISTS', KEYS[7]) == 1 then
  return 0
end
if redis.call('HEXISTS', KEYS[3], ARGV[10]) == 1 then
  return redis.error_reply('KID_EXISTS')
end
local effects = cjson.decode(ARGV[13])
local revoked
if effects.revoke then
  revoked = redis.call('HGET', KEYS[3], effects.revoke.kid)
  if not revoked then
    return redis.error_reply('KEY_NOT_FOUND')
  end
  if type(cjson.decode(revoked).revokedAt) == 'number' then
    revoked = nil
  end
end
tm_audit()
if revoked then
  tm_audit_json(effects.revoke.audit)
end
for _, d in ipairs(effects.destroy) do
  if redis.call('HEXISTS', KEYS[3], d.kid) == 1 then
    tm_audit_json(d.audit)
  end
end
-- After the first pruning, HLEN no longer counts every key ever appended: number after the highest position.
local last = 0
for _, json in ipairs(redis.call('HVALS', KEYS[3])) do
  local n = tonumber(string.match(json, '^{"_n":(%d+),'))
  if n and n > last then last = n end
end
redis.call('HSET', KEYS[3], ARGV[10], tm_ordered(ARGV[11], last + 1))
if revoked then
  redis.call('HSET', KEYS[3], effects.revoke.kid, string.sub(revoked, 1, -2) .. ',"revokedAt":' .. effects.revoke.revokedAt .. '}')
end
for _, d in ipairs(effects.destroy) do
  redis.call('HDEL', KEYS[3], d.kid)
end
if KEYS[7] then
  redis.call('SET', KEYS[7], '1', 'PX', ARGV[12])
end
return tm_bump()
`

/** ARGV[10] kid, ARGV[11] revokedAt. Returns the effective revokedAt; an already revoked key is left as it is. */
const REVOKE_KEY = `
local json, failure = tm_existing_key()
if failure then return failure end
local previous = cjson.decode(json).revokedAt
if type(previous) == 'number' then
  return previous
end
tm_audit()
redis.call('HSET', KEYS[3], ARGV[10], string.sub(json, 1, -2) .. ',"revokedAt":' .. ARGV[11] .. '}')
tm_bump()
return tonumber(ARGV[11])
`

/** ARGV[10] API key id, ARGV[11] record JSON. Returns the version. */
const PUT_API_KEY = `
local missing = tm_require_tenant()
if missing then return missing end
tm_audit()
redis.call('HSET', KEYS[4], ARGV[10], ARGV[11])
return tm_bump()
`

/** ARGV[10] API key id. Returns the version. */
const DELETE_API_KEY = `
local missing = tm_require_tenant()
if missing then return missing end
if redis.call('HEXISTS', KEYS[4], ARGV[10]) == 0 then
  return redis.error_reply('API_KEY_NOT_FOUND')
end
tm_audit()
redis.call('HDEL', KEYS[4], ARGV[10])
return tm_bump()
`

/** An audit entry on its own (an action that changes nothing else): no version bump, no change notice. */
const APPEND_AUDIT = `
tm_audit()
return 1
`

/** KEYS tenant, ver, keys, apikeys. Returns nil, or { tenant JSON, version, key JSONs, API key JSONs }. */
const SNAPSHOT = `
local tenant = redis.call('GET', KEYS[1])
if not tenant then return nil end
return { tenant, redis.call('GET', KEYS[2]) or '0', redis.call('HVALS', KEYS[3]), redis.call('HVALS', KEYS[4]) }
`

/**
 * Propagation-gated activation: ARGV[10] kid, ARGV[11] expected activateAt, ARGV[12] new activateAt, ARGV[13]
 * settledAt ('' for none). A compare-and-set: returns 0, writing nothing, unless the key's activateAt is still the
 * expected one and the key is neither revoked nor settled; otherwise audits, rewrites activateAt (the first,
 * top-level "activateAt" of the record), and returns the version.
 */
const MOVE_ACTIVATION = `
local json, failure = tm_existing_key()
if failure then return failure end
local key = cjson.decode(json)
if string.format('%d', key.activateAt) ~= ARGV[11] or type(key.revokedAt) == 'number' or type(key.gateSettledAt) == 'number' then
  return 0
end
tm_audit()
-- A postponement's key event (key.activation_delayed) is in the outbox argument: tm_bump appends it in this same step.
json = string.gsub(json, '"activateAt":%d+', '"activateAt":' .. ARGV[12], 1)
if ARGV[13] ~= '' then
  json = string.sub(json, 1, -2) .. ',"gateSettledAt":' .. ARGV[13] .. '}'
end
redis.call('HSET', KEYS[3], ARGV[10], json)
return tm_bump()
`

/**
 * KEYS[1] tenant, KEYS[2] verifiers hash (id → JSON record), KEYS[3] sorted set id → lastSeen; ARGV[1] most
 * verifiers kept, ARGV[2] JSON array of one flush's fetches of this tenant. Merges each fetch into its record as
 * mergeVerifier does, then pops the least recently seen beyond the bound. Returns the number kept, or -1 when the
 * tenant does not exist (nothing written).
 */
const RECORD_VERIFIERS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
for _, f in ipairs(cjson.decode(ARGV[2])) do
  local json = redis.call('HGET', KEYS[2], f.id)
  local r
  if json then
    r = cjson.decode(json)
    if f.firstSeen < r.firstSeen then r.firstSeen = f.firstSeen end
    if f.lastSeen > r.lastSeen then r.lastSeen = f.lastSeen end
    r.fetches = r.fetches + f.fetches
  else
    r = { id = f.id, ip = f.ip, userAgent = f.userAgent, firstSeen = f.firstSeen, lastSeen = f.lastSeen, fetches = f.fetches, kids = {}, kidsAt = 0 }
  end
  if f.kids and f.kidsAt >= r.kidsAt then
    r.kids = f.kids
    r.kidsAt = f.kidsAt
  end
  redis.call('HSET', KEYS[2], f.id, cjson.encode(r))
  redis.call('ZADD', KEYS[3], r.lastSeen, f.id)
end
local n = redis.call('ZCARD', KEYS[3])
local max = tonumber(ARGV[1])
if n > max then
  local dropped = redis.call('ZPOPMIN', KEYS[3], n - max)
  for i = 1, #dropped, 2 do
    redis.call('HDEL', KEYS[2], dropped[i])
  end
  n = max
end
return n
`

/*
 * Access-control writes run on the keys of tenant '' (no tenant: KEYS[1..6] as above, its audit log, outbox and version),
 * so their audit entries and change notices travel like a tenant's. KEYS[7] credentials hash, KEYS[8] last-use hash.
 */

/** ARGV[10] credential id, ARGV[11] record JSON. Returns the version. */
const PUT_CREDENTIAL = `
tm_audit()
redis.call('HSET', KEYS[7], ARGV[10], ARGV[11])
return tm_bump()
`

/** ARGV[10] credential id. Returns the version. */
const DELETE_CREDENTIAL = `
if redis.call('HEXISTS', KEYS[7], ARGV[10]) == 0 then
  return redis.error_reply('CREDENTIAL_NOT_FOUND')
end
tm_audit()
redis.call('HDEL', KEYS[7], ARGV[10])
redis.call('HDEL', KEYS[8], ARGV[10])
return tm_bump()
`

/*
 * Webhook changes run on the same keys of tenant '', KEYS[7] the webhooks hash (id → record JSON), so each is written
 * with its audit entry. They announce nothing: every instance's delivery worker reads the hash as it needs it.
 */

/** ARGV[10] webhook id, ARGV[11] record JSON. Returns 0, writing nothing, when the id is taken. */
const CREATE_WEBHOOK = `
if redis.call('HEXISTS', KEYS[7], ARGV[10]) == 1 then
  return 0
end
tm_audit()
redis.call('HSET', KEYS[7], ARGV[10], ARGV[11])
return 1
`

/** The start of a change to an existing webhook ARGV[10]: WEBHOOK_NOT_FOUND, or its audit entry. */
const EXISTING_WEBHOOK = `
if redis.call('HEXISTS', KEYS[7], ARGV[10]) == 0 then
  return redis.error_reply('WEBHOOK_NOT_FOUND')
end
tm_audit()
`

/** ARGV[10] webhook id, ARGV[11] record JSON. */
const UPDATE_WEBHOOK = EXISTING_WEBHOOK + `redis.call('HSET', KEYS[7], ARGV[10], ARGV[11])
return 1
`

/** ARGV[10] webhook id. */
const DELETE_WEBHOOK = EXISTING_WEBHOOK + `redis.call('HDEL', KEYS[7], ARGV[10])
return 1
`

/** KEYS[1] credentials, KEYS[2] last-use hash; ARGV[1] id, ARGV[2] ms. A deleted credential gets no last use. */
const TOUCH_CREDENTIAL = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return 1
`

/** KEYS[1] session, KEYS[2] version of tenant ''; ARGV[1] change channel. Ends the session and tells every instance. */
const DELETE_SESSION = `
redis.call('DEL', KEYS[1])
local v = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[1], ' ' .. v)
return v
`

/** KEYS[1] counter; ARGV[1] window ms. Returns { count, ms left }. */
const COUNT_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { n, redis.call('PTTL', KEYS[1]) }
`

export const SCRIPTS = {
  tmCreateTenant: PRELUDE + CREATE_TENANT,
  tmUpdateTenant: PRELUDE + UPDATE_TENANT,
  tmDeleteTenant: PRELUDE + DELETE_TENANT,
  tmAppendKey: PRELUDE + APPEND_KEY,
  tmRevokeKey: PRELUDE + REVOKE_KEY,
  tmPutApiKey: PRELUDE + PUT_API_KEY,
  tmDeleteApiKey: PRELUDE + DELETE_API_KEY,
  tmAppendAudit: PRELUDE + APPEND_AUDIT,
  tmSnapshot: SNAPSHOT,
  tmMoveActivation: PRELUDE + MOVE_ACTIVATION,
  tmRecordVerifiers: RECORD_VERIFIERS,
  tmPutCredential: PRELUDE + PUT_CREDENTIAL,
  tmDeleteCredential: PRELUDE + DELETE_CREDENTIAL,
  tmTouchCredential: TOUCH_CREDENTIAL,
  tmCreateWebhook: PRELUDE + CREATE_WEBHOOK,
  tmUpdateWebhook: PRELUDE + UPDATE_WEBHOOK,
  tmDeleteWebhook: PRELUDE + DELETE_WEBHOOK,
  tmDeleteSession: DELETE_SESSION,
  tmCountFailure: COUNT_FAILURE
} as const

export type ScriptName = keyof typeof SCRIPTS
