redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ release: hand a running job back without spending its attempt.
ACTIVE -> QUEUED (at the claim end: it runs next), or ACTIVE -> SCHEDULED after a delay.
Used at shutdown after the grace period, and while a job type's circuit breaker is open.
KEYS[1] active zset  KEYS[2] pending list  KEYS[3] scheduled zset  KEYS[4] job hash
KEYS[5] queue key prefix "jobfleet:{q}:" (for the job's event stream)
ARGV[1] job id  ARGV[2] fencing token  ARGV[3] delay ms (0 = back to pending now)
ARGV[4] snooze cap: 0 = a plain release; N > 0 = the handler snoozed: counted in the job's snoozes
field, refused with {-10, snoozes} once it has snoozed N times (the caller makes it dead)
Concurrency slots the job held are given back (a parked job takes each).
Returns {1} released, {0} already released by this token, {-1} not found, {-3} stale lease,
{-6} cancelled while running, {-2, state} otherwise. ZREM is the first write. ]]
local function emit(prefix, id, ...) -- to the job's event stream, only while an SSE client watches it
  if redis.call('SISMEMBER', prefix .. 'watched', id) == 1 then
    redis.call('XADD', prefix .. 'events:' .. id, 'MAXLEN', '~', 200, '*', ...)
    redis.call('PEXPIRE', prefix .. 'events:' .. id, 86400000)
  end
end
local function freeSlots(prefix, pending, id, slots) -- gives back a job's concurrency slots; a parked job takes each
  if not slots then return end
  for scope in string.gmatch(slots, '%S+') do
    redis.call('SREM', prefix .. 'running:' .. scope, id)
    local entry = scope ~= 'queue' and redis.call('RPOP', prefix .. 'parked:' .. scope)
    if entry then redis.call('RPUSH', pending, entry) end
  end
  redis.call('HDEL', prefix .. 'job:' .. id, 'slots')
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, token, delay = ARGV[1], ARGV[2], tonumber(ARGV[3])
local state, current, closed, slots, snoozes = unpack(redis.call('HMGET', KEYS[4], 'state', 'token', 'closedToken',
  'slots', 'snoozes'))
if not state then return {-1} end
if state ~= 'ACTIVE' or current ~= token then
  if closed == token then return {0} end
  if state == 'CANCELLED' then return {-6} end
  if current ~= token then return {-3} end
  return {-2, state}
end
local cap = tonumber(ARGV[4])
if cap > 0 and (tonumber(snoozes) or 0) >= cap then return {-10, tonumber(snoozes)} end
redis.call('ZREM', KEYS[1], id)
freeSlots(KEYS[5], KEYS[2], id, slots)
if cap > 0 then redis.call('HINCRBY', KEYS[4], 'snoozes', 1) end
redis.call('HINCRBY', KEYS[4], 'attempts', -1)
if delay > 0 then
  redis.call('HSET', KEYS[4], 'state', 'SCHEDULED', 'runAt', now + delay, 'closedToken', token)
  redis.call('ZADD', KEYS[3], now + delay, id)
  emit(KEYS[5], id, 'type', 'state', 'state', 'SCHEDULED', 'runAt', now + delay, 'at', now)
else
  redis.call('HSET', KEYS[4], 'state', 'QUEUED', 'enqueuedAt', now, 'closedToken', token)
  redis.call('RPUSH', KEYS[2], id)
  emit(KEYS[5], id, 'type', 'state', 'state', 'QUEUED', 'at', now)
end
return {1}
