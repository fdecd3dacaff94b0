// The Lua scripts of the event store: deliveries created once, claimed under a lease, finished by their holder only.

/** KEYS deliveries, due, log. ARGV id, record JSON, createdAt, first attempt at, cutoff ms. Returns 1 if created. */
const ENQUEUE_DELIVERY = `
local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[5], 'LIMIT', 0, 1000)
for _, id in ipairs(old) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
`

/** KEYS deliveries, due. ARGV now, lease end, limit. Returns the claimed records' JSON (attempts incremented). */
const CLAIM_DELIVERIES = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local json = redis.call('HGET', KEYS[1], id)
  if not json then
    redis.call('ZREM', KEYS[2], id)
  else
    local r = cjson.decode(json)
    r.attempts = r.attempts + 1
    r.nextAttemptAt = tonumber(ARGV[2])
    local encoded = cjson.encode(r)
    redis.call('HSET', KEYS[1], id, encoded)
    redis.call('ZADD', KEYS[2], ARGV[2], id)
    out[#out + 1] = encoded
  end
end
return out
`

/** KEYS deliveries, due. ARGV id, attempts of the claim, record JSON, status, next attempt at. Returns 1 if written. */
const FINISH_ATTEMPT = `
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json or cjson.decode(json).attempts ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] == 'pending' then
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 1
`

/** KEYS deliveries, due. ARGV id, now. Returns the record JSON, pending and due now. */
const RETRY_DELIVERY = `
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return redis.error_reply('DELIVERY_NOT_FOUND') end
local r = cjson.decode(json)
if r.status ~= 'failed' then return redis.error_reply('CONFLICT only a failed delivery can be retried') end
r.status = 'pending'
r.nextAttemptAt = tonumber(ARGV[2])
local encoded = cjson.encode(r)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return encoded
`

/**
 * KEYS outbox, then one marker per event. ARGV marker TTL ms, then one event JSON per marker. An event is appended
 * only with its marker newly set: the marker is the atomic marker of a time-driven event. Returns how many were.
 */
const EMIT_ONCE = `
local emitted = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[1]) then
    if redis.call('EXISTS', KEYS[1]) == 0 then
      redis.pcall('XGROUP', 'CREATE', KEYS[1], 'deliver', '0', 'MKSTREAM')
    end
    redis.call('XADD', KEYS[1], '*', 'e', ARGV[i])
    emitted = emitted + 1
  end
end
return emitted
`

/** KEYS a stream. Deletes it if it holds no entry (its consumer group goes with it; writes create both again). Returns 1 if deleted. */
const DROP_EMPTY_STREAM = `
if redis.call('XLEN', KEYS[1]) ~= 0 then return 0 end
redis.call('DEL', KEYS[1])
return 1
`

/** KEYS a sorted set. ARGV member, expected score, new score ('' removes). Compare-and-set of one member's score. */
const RESCORE = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1
`

/**
 * KEYS the key-time index. ARGV tenant, time. Files the tenant at the time, one ms later when it is filed at exactly
 * that time already: a mark always changes the score, so a scan holding the score it read cannot move it on.
 */
const MARK_KEY_TIMES = `
local at = tonumber(ARGV[2])
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if current and tonumber(current) == at then at = at + 1 end
redis.call('ZADD', KEYS[1], at, ARGV[1])
return 1
`

export const EVENT_SCRIPTS = {
  tmMarkKeyTimes: MARK_KEY_TIMES,
  tmEnqueueDelivery: ENQUEUE_DELIVERY,
  tmClaimDeliveries: CLAIM_DELIVERIES,
  tmFinishAttempt: FINISH_ATTEMPT,
  tmRetryDelivery: RETRY_DELIVERY,
  tmEmitOnce: EMIT_ONCE,
  tmRescore: RESCORE,
  tmDropEmptyStream: DROP_EMPTY_STREAM
} as const

export type EventScriptName = keyof typeof EVENT_SCRIPTS
