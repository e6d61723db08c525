redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ ack: ACTIVE -> SUCCEEDED for one or more jobs, fenced by their tokens.
KEYS[1] active zset   KEYS[2] queue key prefix "jobfleet:{q}:"   KEYS[3] stats hash
KEYS[4] pending list (a concurrency slot given back moves a parked job there)
(also counts successes per minute in jobfleet:{q}:minute:<epoch minute>, kept 65 minutes)
ARGV[1] retention ms for finished jobs (0: deleted at once; a repeated ack answers 0),
then triples: job id, fencing token, result JSON ("" = none)
Returns one status per job: 1 done, 0 already done by this same token (a repeated call),
-1 not found, -3 stale (the lease was lost: another claim owns the job), -6 cancelled while
running, -2 any other state. All jobs are read first, then one ZREM (per thousand) removes their
leases: it is the first write, so acks go on with Redis memory full. ]]
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
local retention = tonumber(ARGV[1])
local watched = redis.call('SCARD', KEYS[2] .. 'watched') > 0
local out = {}
local record = {}
for i = 2, #ARGV, 3 do
  local id, token = ARGV[i], ARGV[i + 1]
  local state, current, closed, slots, ukey, umode = unpack(redis.call('HMGET', KEYS[2] .. 'job:' .. id,
    'state', 'token', 'closedToken', 'slots', 'uniq', 'uniqMode'))
  local status
  if not state then
    status = retention == 0 and 0 or -1 -- not kept: only its own ack deletes an ACTIVE job
  elseif state == 'ACTIVE' and current == token then
    status = 1
    record[#record + 1] = i
    freeSlots(KEYS[2], KEYS[4], id, slots)
    freeUnique(KEYS[2], id, ukey, umode)
  elseif state == 'SUCCEEDED' and closed == token then
    status = 0
  elseif state == 'CANCELLED' then
    status = -6
  elseif current ~= token then
    status = -3
  else
    status = -2
  end
  out[#out + 1] = status
end
if #record == 0 then return out end
local members = {}
for _, i in ipairs(record) do
  members[#members + 1] = ARGV[i]
  if #members >= 1000 then
    redis.call('ZREM', KEYS[1], unpack(members))
    members = {}
  end
end
if #members > 0 then redis.call('ZREM', KEYS[1], unpack(members)) end
for _, i in ipairs(record) do
  local id, token, result = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local jobKey = KEYS[2] .. 'job:' .. id
  if retention == 0 then
    redis.call('DEL', jobKey, KEYS[2] .. 'steps:' .. id)
  elseif result ~= '' then
    redis.call('HSET', jobKey, 'state', 'SUCCEEDED', 'finishedAt', now, 'closedToken', token, 'result', result)
  else
    redis.call('HSET', jobKey, 'state', 'SUCCEEDED', 'finishedAt', now, 'closedToken', token)
  end
  if retention > 0 then
    redis.call('PEXPIRE', jobKey, retention)
    redis.call('PEXPIRE', KEYS[2] .. 'steps:' .. id, retention)
  end
  if watched then
    emit(KEYS[2], id, 'type', 'state', 'state', 'SUCCEEDED', 'at', now)
    redis.call('SREM', KEYS[2] .. 'watched', id)
  end
end
local done = #record
redis.call('HINCRBY', KEYS[3], 'succeeded', done)
local minute = KEYS[2] .. 'minute:' .. math.floor(now / 60000)
redis.call('HINCRBY', minute, 'succeeded', done)
redis.call('PEXPIRE', minute, 3900000)
return out
