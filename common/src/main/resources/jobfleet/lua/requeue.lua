redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ requeue: DEAD -> QUEUED for the given jobs (the dead-letter redrive).
KEYS[1] dead zset   KEYS[2] pending list   KEYS[3] queue key prefix "jobfleet:{q}:"
ARGV[1] reset attempts (1 = start again from attempt 0, 0 = keep the count), then job ids
Returns one status per id: 1 requeued, -1 not found, -2 not DEAD (already requeued by an
earlier run: nothing moves twice). Each job moves whole or not at all, so an interrupted
redrive can simply be run again. ZREM is the first write. ]]
local function emit(prefix, id, ...) -- to the job's event stream, only while an SSE client watches it
  if redis.call('SISMEMBER', prefix .. 'watched', id) == 1 then
    redis.call('XADD', prefix .. 'events:' .. id, 'MAXLEN', '~', 200, '*', ...)
    redis.call('PEXPIRE', prefix .. 'events:' .. id, 86400000)
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  local jobKey = KEYS[3] .. 'job:' .. id
  local state = redis.call('HGET', jobKey, 'state')
  if state == 'DEAD' then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HSET', jobKey, 'state', 'QUEUED', 'enqueuedAt', now)
    redis.call('HDEL', jobKey, 'deadReason', 'finishedAt')
    if ARGV[1] == '1' then redis.call('HSET', jobKey, 'attempts', 0, 'expiries', 0) end
    redis.call('LPUSH', KEYS[2], id)
    emit(KEYS[3], id, 'type', 'state', 'state', 'QUEUED', 'at', now)
    out[#out + 1] = 1
  else
    if not state then redis.call('ZREM', KEYS[1], id) end
    out[#out + 1] = state and -2 or -1
  end
end
return out
