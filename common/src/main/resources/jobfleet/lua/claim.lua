--[[ claim: QUEUED -> ACTIVE for up to N jobs, each with a lease and a new fencing token.
KEYS[1] pending list   KEYS[2] active zset (lease deadlines)   KEYS[3] paused flag
KEYS[4] queue key prefix "jobfleet:{q}:"
ARGV[1] max jobs   ARGV[2] lease ms   ARGV[3] worker id   ARGV[4..] job fields to return
Returns {1, id1, {fields1}, id2, {fields2}, ...} (just {1} when the queue is empty),
or {-5} when the queue is paused. The returned fields always start with token and attempts.
The first write is RPOP, which Redis allows with memory full: workers keep draining.
Repeating it claims further jobs; a claim whose reply was lost is recovered by reap.lua when
its lease runs out. Ids whose job is gone or not QUEUED (a stale entry) are dropped. ]]
local function emit(prefix, id, ...) -- to the job's event stream, only while an SSE client watches it
  if redis.call('SISMEMBER', prefix .. 'watched', id) == 1 then
    redis.call('XADD', prefix .. 'events:' .. id, 'MAXLEN', '~', 200, '*', ...)
    redis.call('PEXPIRE', prefix .. 'events:' .. id, 86400000)
  end
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {-5}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max, lease, worker = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local fields = {}
for f = 4, #ARGV do fields[#fields + 1] = ARGV[f] end
local out = {1}
local claimed = 0
while claimed < max do
  local id = redis.call('RPOP', KEYS[1])
  if not id then break end
  local jobKey = KEYS[4] .. 'job:' .. id
  if redis.call('HGET', jobKey, 'state') == 'QUEUED' then
    local token = redis.call('HINCRBY', jobKey, 'token', 1)
    local attempts = redis.call('HINCRBY', jobKey, 'attempts', 1)
    redis.call('HSET', jobKey, 'state', 'ACTIVE', 'worker', worker, 'startedAt', now)
    redis.call('ZADD', KEYS[2], now + lease, id)
    emit(KEYS[4], id, 'type', 'state', 'state', 'ACTIVE', 'attempt', attempts, 'at', now)
    local values = redis.call('HMGET', jobKey, unpack(fields))
    table.insert(values, 1, attempts)
    table.insert(values, 1, token)
    out[#out + 1] = id
    out[#out + 1] = values
    claimed = claimed + 1
  end
end
return out
