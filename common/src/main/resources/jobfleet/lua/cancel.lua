redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ cancel: QUEUED | SCHEDULED | ACTIVE -> CANCELLED, at once.
A running job's worker learns it at its next lease renewal (within a second), sets
ctx.isCancelled() and interrupts the handler; whatever the handler then reports is refused,
so a cancelled job is never retried.
KEYS[1] pending list  KEYS[2] scheduled zset  KEYS[3] active zset  KEYS[4] job hash
KEYS[5] stats hash  KEYS[6] steps hash (expires with the job)
KEYS[7] queue key prefix "jobfleet:{q}:" (for the job's event stream)
ARGV[1] job id   ARGV[2] retention ms for finished jobs
A running job's concurrency slots and the job's unique key are given back; a job waiting in the
prio zset leaves it (one waiting in a group list or a parked list is dropped when a claim meets it).
Returns {1, previous state} cancelled, {0} already cancelled, {-1} not found, {-2, state}
when the job has already finished (SUCCEEDED or DEAD). The first write is a removal. ]]
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
local function freeUnique(prefix, id, key, mode) -- the job's unique key is free again (a period's lives on)
  if key and mode ~= 'period' and redis.call('GET', prefix .. 'uniq:' .. key) == id then
    redis.call('DEL', prefix .. 'uniq:' .. key)
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
local state, slots, ukey, umode = unpack(redis.call('HMGET', KEYS[4], 'state', 'slots', 'uniq', 'uniqMode'))
if not state then return {-1} end
if state == 'CANCELLED' then return {0} end
if state == 'QUEUED' then
  if redis.call('LREM', KEYS[1], 1, id) == 0 then redis.call('ZREM', KEYS[7] .. 'prio', id) end
elseif state == 'SCHEDULED' then
  redis.call('ZREM', KEYS[2], id)
elseif state == 'ACTIVE' then
  redis.call('ZREM', KEYS[3], id)
  freeSlots(KEYS[7], KEYS[1], id, slots)
else
  return {-2, state}
end
redis.call('HSET', KEYS[4], 'state', 'CANCELLED', 'finishedAt', now, 'cancelledFrom', state)
redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[6], tonumber(ARGV[2]))
freeUnique(KEYS[7], id, ukey, umode)
redis.call('HINCRBY', KEYS[5], 'cancelled', 1)
emit(KEYS[7], id, 'type', 'state', 'state', 'CANCELLED', 'from', state, 'at', now)
redis.call('SREM', KEYS[7] .. 'watched', id)
return {1, state}
