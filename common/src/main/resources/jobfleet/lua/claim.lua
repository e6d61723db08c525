redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ claim: QUEUED -> ACTIVE for up to N jobs, each with a lease and a new fencing token.
KEYS[1] pending list   KEYS[2] active zset (lease deadlines)   KEYS[3] paused flag
KEYS[4] queue key prefix "jobfleet:{q}:"
ARGV[1] max jobs   ARGV[2] lease ms   ARGV[3] worker id   ARGV[4..] job fields to return
Returns {1, id1, {fields1}, id2, {fields2}, ...} (just {1} when the queue is empty),
or {-5} when the queue is paused. The returned fields always start with token and attempts,
and carry this claim's startedAt.
The first write is RPOP (one call pops the whole batch), which Redis allows with memory full:
workers keep draining. Leases are added with one ZADD per thousand jobs. Needs Redis 6.2 (RPOP count).
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
local max, deadline, worker = tonumber(ARGV[1]), now + tonumber(ARGV[2]), ARGV[3]
local wanted = {'state', 'token', 'attempts'}
for f = 4, #ARGV do wanted[#wanted + 1] = ARGV[f] end
local watched = redis.call('SCARD', KEYS[4] .. 'watched') > 0
local out = {1}
local leases = {}
local claimed = 0
while claimed < max do
  local ids = redis.call('RPOP', KEYS[1], max - claimed)
  if not ids then break end
  for _, id in ipairs(ids) do
    local jobKey = KEYS[4] .. 'job:' .. id
    local values = redis.call('HMGET', jobKey, unpack(wanted))
    if values[1] == 'QUEUED' then
      local token = (tonumber(values[2]) or 0) + 1
      local attempts = (tonumber(values[3]) or 0) + 1
      redis.call('HSET', jobKey, 'state', 'ACTIVE', 'token', token, 'attempts', attempts, 'worker', worker,
        'startedAt', now)
      leases[#leases + 1] = deadline
      leases[#leases + 1] = id
      if #leases >= 1000 then
        redis.call('ZADD', KEYS[2], unpack(leases))
        leases = {}
      end
      if watched then emit(KEYS[4], id, 'type', 'state', 'state', 'ACTIVE', 'attempt', attempts, 'at', now) end
      local reply = {token, attempts}
      for k = 4, #values do reply[#reply + 1] = (wanted[k] == 'startedAt') and now or values[k] end
      out[#out + 1] = id
      out[#out + 1] = reply
      claimed = claimed + 1
    end
  end
end
if #leases > 0 then redis.call('ZADD', KEYS[2], unpack(leases)) end
return out
