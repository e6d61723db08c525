redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ promote: SCHEDULED -> QUEUED for jobs whose due time (server clock) has come.
KEYS[1] scheduled zset   KEYS[2] pending list   KEYS[3] queue key prefix "jobfleet:{q}:"
ARGV[1] max jobs per call
Returns {promoted count, next due ms or -1 when nothing else is scheduled}.
Due jobs join the tail of pending in due order; a job with a priority joins the prio zset and a
grouped job its group's list, as enqueue.lua puts them. Safe for every worker to run, and to repeat. ]]
local function emit(prefix, id, ...) -- to the job's event stream, only while an SSE client watches it
  if redis.call('SISMEMBER', prefix .. 'watched', id) == 1 then
    redis.call('XADD', prefix .. 'events:' .. id, 'MAXLEN', '~', 200, '*', ...)
    redis.call('PEXPIRE', prefix .. 'events:' .. id, 86400000)
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local promoted = 0
for i, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local jobKey = KEYS[3] .. 'job:' .. id
  local state, priority, group = unpack(redis.call('HMGET', jobKey, 'state', 'priority', 'group'))
  if state == 'SCHEDULED' then
    redis.call('HSET', jobKey, 'state', 'QUEUED', 'enqueuedAt', now)
    if group then
      redis.call('LPUSH', KEYS[3] .. 'group:' .. group, id)
      if redis.call('HINCRBY', KEYS[3] .. 'groups', group, 1) == 1 then redis.call('LPUSH', KEYS[2], '@g:' .. group) end
    elseif priority then
      if redis.call('LLEN', KEYS[2]) == 0 then redis.call('LPUSH', KEYS[2], '@') end
      redis.call('ZADD', KEYS[3] .. 'prio', now + tonumber(priority) * 60000 + (i - 1) / #ids * 0.999, id)
    else
      redis.call('LPUSH', KEYS[2], id)
    end
    emit(KEYS[3], id, 'type', 'state', 'state', 'QUEUED', 'at', now)
    promoted = promoted + 1
  end
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {promoted, next[2] and tonumber(next[2]) or -1}
