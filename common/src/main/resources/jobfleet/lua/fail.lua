redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ fail: record a failed attempt: ACTIVE -> SCHEDULED (retry after a backoff) or ACTIVE -> DEAD.
KEYS[1] active zset  KEYS[2] scheduled zset  KEYS[3] dead zset  KEYS[4] job hash  KEYS[5] stats hash
KEYS[6] queue key prefix "jobfleet:{q}:" (for the job's event stream)  KEYS[7] pending list (for a parked
job that takes the concurrency slot given back)
ARGV[1] job id  ARGV[2] fencing token  ARGV[3] error JSON (an object; "at" is set here, from
the server clock)  ARGV[4] retry delay ms (-1 = dead now: non-retryable)  ARGV[5] max attempts
when the job has none  ARGV[6] errors kept per job  ARGV[7] reason recorded when dead
Returns {1, due ms} retry scheduled, {2} dead, {0} already recorded by this token (a repeated
call), {-1} not found, {-3} stale lease, {-6} cancelled while running, {-2, state} otherwise.
lastError is the error class and at most 300 bytes of the message, cut between characters.
ZREM is the first write, so failures are recorded with Redis memory full. ]]
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
local function cut(s, n) -- at most n bytes of s, never ending inside a UTF-8 character
  if #s <= n then return s end
  local i = n + 1 -- the first byte dropped: while it continues a character (10xxxxxx), drop its lead too
  while i > 1 and string.byte(s, i) >= 128 and string.byte(s, i) < 192 do i = i - 1 end
  return string.sub(s, 1, i - 1)
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, token, delay = ARGV[1], ARGV[2], tonumber(ARGV[4])
local state, current, closed, attempts, maxAttempts, errors, dropped, slots, ukey, umode = unpack(redis.call(
  'HMGET', KEYS[4], 'state', 'token', 'closedToken', 'attempts', 'maxAttempts', 'errors', 'errorsDropped', 'slots',
  'uniq', 'uniqMode'))
if not state then return {-1} end
if state ~= 'ACTIVE' or current ~= token then
  if closed == token then return {0} end
  if state == 'CANCELLED' then return {-6} end
  if current ~= token then return {-3} end
  return {-2, state}
end
redis.call('ZREM', KEYS[1], id)
freeSlots(KEYS[6], KEYS[7], id, slots)
local list = errors and cjson.decode(errors) or {}
local err = cjson.decode(ARGV[3])
err.at = now
list[#list + 1] = err
local keep = tonumber(ARGV[6])
dropped = tonumber(dropped) or 0
while #list > keep do
  table.remove(list, 1)
  dropped = dropped + 1
end
local lastError = tostring(err.errorClass) .. ': ' .. cut(tostring(err.message), 300)
local fields = {'closedToken', token, 'errors', cjson.encode(list), 'errorsDropped', dropped, 'lastError', lastError}
local minute = KEYS[6] .. 'minute:' .. math.floor(now / 60000)
if delay < 0 or tonumber(attempts) >= (tonumber(maxAttempts) or tonumber(ARGV[5])) then
  redis.call('HSET', KEYS[4], 'state', 'DEAD', 'finishedAt', now, 'deadReason', ARGV[7], unpack(fields))
  redis.call('ZADD', KEYS[3], now, id)
  freeUnique(KEYS[6], id, ukey, umode)
  redis.call('HINCRBY', KEYS[5], 'dead', 1)
  redis.call('HINCRBY', minute, 'dead', 1)
  redis.call('PEXPIRE', minute, 3900000)
  emit(KEYS[6], id, 'type', 'state', 'state', 'DEAD', 'attempt', attempts, 'error', err.message or '', 'at', now)
  return {2}
end
local due = now + delay
redis.call('HSET', KEYS[4], 'state', 'SCHEDULED', 'runAt', due, unpack(fields))
redis.call('ZADD', KEYS[2], due, id)
redis.call('HINCRBY', KEYS[5], 'retried', 1)
redis.call('HINCRBY', minute, 'retried', 1)
redis.call('PEXPIRE', minute, 3900000)
emit(KEYS[6], id, 'type', 'state', 'state', 'SCHEDULED', 'attempt', attempts, 'error', err.message or '',
  'runAt', due, 'at', now)
return {1, due}
