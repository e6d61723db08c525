redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ reap: take back jobs whose lease ran out (their worker died, hung or lost Redis).
ACTIVE -> QUEUED at the claim end, or ACTIVE -> DEAD as a poison job when its lease has now
expired the poison limit's number of times (it kills or hangs every worker that runs it). The
last expiry counts only for a run marked by suspect.lua (the worker ran it as a suspect, alone
where it could): a job one short of the limit whose unmarked lease expires goes back to pending
with its count unchanged, so an innocent job held beside a crashing one is never made poison.
KEYS[1] active zset  KEYS[2] pending list  KEYS[3] dead zset  KEYS[4] queue key prefix
KEYS[5] stats hash (a poison death also counts in jobfleet:{q}:minute:<epoch minute>, kept 65 minutes)
Concurrency slots a reaped job held are given back (a parked job takes each).
ARGV[1] max jobs per call  ARGV[2] poison limit  ARGV[3] errors kept per job
Returns {requeued, dead, id1, id2, ...}. Uses the server clock, so a worker whose clock is
off never reaps a live lease early. Safe for every worker to run at once, and to repeat. ]]
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
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local poison, keep = tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {0, 0}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local jobKey = KEYS[4] .. 'job:' .. id
  local state, worker, attempts, errors, dropped, expiries, token, suspectRun, slots = unpack(redis.call('HMGET',
    jobKey, 'state', 'worker', 'attempts', 'errors', 'errorsDropped', 'expiries', 'token', 'suspectRun', 'slots'))
  if state == 'ACTIVE' then
    freeSlots(KEYS[4], KEYS[2], id, slots)
    expiries = tonumber(expiries) or 0
    if expiries + 1 < poison or suspectRun == token then
      expiries = redis.call('HINCRBY', jobKey, 'expiries', 1)
    end
    local list = errors and cjson.decode(errors) or {}
    list[#list + 1] = {attempt = tonumber(attempts), errorClass = 'jobfleet.LeaseExpired',
      message = 'lease expired: worker ' .. tostring(worker)
        .. ' stopped renewing it (crashed, hung or cut off from Redis)',
      worker = worker, at = now}
    dropped = tonumber(dropped) or 0
    while #list > keep do
      table.remove(list, 1)
      dropped = dropped + 1
    end
    redis.call('HSET', jobKey, 'errors', cjson.encode(list), 'errorsDropped', dropped,
      'lastError', 'jobfleet.LeaseExpired: lease expired (worker ' .. tostring(worker) .. ')')
    if expiries >= poison then
      redis.call('HSET', jobKey, 'state', 'DEAD', 'finishedAt', now, 'deadReason',
        'poison: lease expired ' .. expiries .. ' times, so the job kills or hangs its worker')
      redis.call('ZADD', KEYS[3], now, id)
      redis.call('HINCRBY', KEYS[5], 'dead', 1)
      local minute = KEYS[4] .. 'minute:' .. math.floor(now / 60000)
      redis.call('HINCRBY', minute, 'dead', 1)
      redis.call('PEXPIRE', minute, 3900000)
      emit(KEYS[4], id, 'type', 'state', 'state', 'DEAD', 'error', 'poison', 'at', now)
      out[2] = out[2] + 1
    else
      redis.call('HSET', jobKey, 'state', 'QUEUED', 'enqueuedAt', now)
      redis.call('RPUSH', KEYS[2], id)
      emit(KEYS[4], id, 'type', 'state', 'state', 'QUEUED', 'error', 'lease expired', 'at', now)
      out[1] = out[1] + 1
    end
    redis.call('HINCRBY', KEYS[5], 'orphansRecovered', 1)
    out[#out + 1] = id
  end
end
return out
