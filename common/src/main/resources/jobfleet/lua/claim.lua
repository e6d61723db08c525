redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ claim: QUEUED -> ACTIVE for up to N jobs, each with a lease and a new fencing token, within
the queue's flow-control limits (docs/flow-control.md).
KEYS[1] pending list   KEYS[2] active zset (lease deadlines)   KEYS[3] paused flag
KEYS[4] queue key prefix "jobfleet:{q}:"   KEYS[5] stats hash
ARGV[1] max jobs   ARGV[2] lease ms   ARGV[3] worker id   ARGV[4] retention ms of finished jobs
ARGV[5..] job fields to return
Returns {1, blocked for ms, look again in ms, id1, {fields1}, id2, {fields2}, ...} (0 = none),
or {-5} when the queue is paused. The returned fields start with token and attempts, and carry
this claim's startedAt. "blocked for": the queue's own limit is full (claim no sooner); "look
again in": parked jobs may be startable then, though no job arrives to wake a waiter.
Where jobs come from, in order: parked jobs whose scope has room again (moved to the claim end
of pending first), prioritized jobs aged past their wait (score <= now), pending (its '@g:<g>'
entries are group markers: one job of the group, then the marker goes to the back; '@' is a
wake-up marker), then prioritized jobs by score. A job over a type/key/group limit is parked on
that scope's list (it stays QUEUED, spends no attempt) and the claim goes on past it, at most
500 entries past the batch. A job past its expiresAt is EXPIRED instead, never run.
Concurrency slots are taken here (running:<scope> sets, named in the job's slots field) and
given back by ack, fail, release, reap and cancel; rate limits log starts in starts:<scope>.
A stale entry (job gone or not QUEUED) is dropped. Needs Redis 6.2 (RPOP count, ZADD LT). ]]
local function emit(prefix, id, ...) -- to the job's event stream, only while an SSE client watches it
  if redis.call('SISMEMBER', prefix .. 'watched', id) == 1 then
    redis.call('XADD', prefix .. 'events:' .. id, 'MAXLEN', '~', 200, '*', ...)
    redis.call('PEXPIRE', prefix .. 'events:' .. id, 86400000)
  end
end
if redis.call('EXISTS', KEYS[3]) == 1 then return {-5} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max, deadline, worker = tonumber(ARGV[1]), now + tonumber(ARGV[2]), ARGV[3]
local wanted = {'state', 'token', 'attempts'}
for f = 5, #ARGV do wanted[#wanted + 1] = ARGV[f] end
local at = #wanted -- then the fields only this script reads
for _, f in ipairs({'type', 'limitKey', 'group', 'expiresAt', 'waitingFor', 'uniq', 'uniqMode'}) do
  wanted[#wanted + 1] = f
end
local limits, any = {}, false
local raw = redis.call('HGETALL', KEYS[4] .. 'limits')
for i = 1, #raw, 2 do
  local scope = string.sub(raw[i], 3)
  local l = limits[scope] or {}
  limits[scope], any = l, true
  if string.sub(raw[i], 1, 1) == 'c' then
    l.c = tonumber(raw[i + 1])
  else
    local n, p = string.match(raw[i + 1], '^(%d+) (%d+)$')
    l.r, l.p = tonumber(n), tonumber(p)
  end
end
local seen = {} -- scope -> {lim, used (running), inWindow (starts)}, read once per call
local function scopeState(scope, lim)
  local s = seen[scope]
  if s then return s end
  s = {lim = lim, used = 0, inWindow = 0}
  if lim.c then s.used = redis.call('SCARD', KEYS[4] .. 'running:' .. scope) end
  if lim.r then
    redis.call('ZREMRANGEBYSCORE', KEYS[4] .. 'starts:' .. scope, '-inf', now - lim.p)
    s.inWindow = redis.call('ZCARD', KEYS[4] .. 'starts:' .. scope)
  end
  seen[scope] = s
  return s
end
local function room(s) -- how many more may start now
  local r = 1e9
  if s.lim.c then r = math.min(r, s.lim.c - s.used) end
  if s.lim.r then r = math.min(r, s.lim.r - s.inWindow) end
  return r
end
local function retryAt(scope, s, concurrencyRecheck) -- when a full scope may have room
  if s.lim.r and s.inWindow >= s.lim.r then
    local oldest = redis.call('ZRANGE', KEYS[4] .. 'starts:' .. scope, 0, 0, 'WITHSCORES')
    return math.max(now + 1, (tonumber(oldest[2]) or now) + s.lim.p)
  end
  return now + concurrencyRecheck -- a slot given back moves a parked job at once; this is a recheck
end
local function limitOf(scope)
  return limits[scope] or limits[(string.match(scope, '^(%a+:)') or '') .. '*']
end
local out = {1, 0, 0}
local take = max
local qs = limits['queue'] and scopeState('queue', limits['queue'])
if qs then
  take = math.min(take, room(qs))
  if take <= 0 then out[2] = retryAt('queue', qs, 50) - now return out end
end
-- parked jobs whose scope may have room again go to the claim end of pending, oldest last
local throttled = KEYS[4] .. 'throttled'
for _, scope in ipairs(redis.call('ZRANGEBYSCORE', throttled, '-inf', now, 'LIMIT', 0, 16)) do
  local lim, parked = limitOf(scope), KEYS[4] .. 'parked:' .. scope
  local s = lim and scopeState(scope, lim)
  local n = math.min(take, s and room(s) or take)
  if n > 0 then
    local entries = redis.call('LRANGE', parked, -n, -1)
    if #entries > 0 then
      redis.call('LTRIM', parked, 0, -#entries - 1)
      redis.call('RPUSH', KEYS[1], unpack(entries))
    end
  end
  if redis.call('EXISTS', parked) == 0 then
    redis.call('ZREM', throttled, scope)
  else
    local lookAt = now + 1000 -- a concurrency scope: a slot given back moves a parked job at once
    if not s or n >= take then
      lookAt = now -- room left, but this claim had no more slots: the next claim takes more
    elseif s.lim.r and s.inWindow + n >= s.lim.r then -- the window is full with these: room when its oldest leaves
      local oldest = redis.call('ZRANGE', KEYS[4] .. 'starts:' .. scope, 0, 0, 'WITHSCORES')
      lookAt = math.max(now + 1, (tonumber(oldest[2]) or now) + s.lim.p)
    end
    redis.call('ZADD', throttled, lookAt, scope)
  end
end
local prio = KEYS[4] .. 'prio'
local hasPrio = redis.call('EXISTS', prio) == 1
local function nextEntries(n) -- aged prioritized jobs, then pending, then prioritized by score
  if hasPrio then
    local aged = redis.call('ZRANGEBYSCORE', prio, '-inf', now, 'LIMIT', 0, n)
    if #aged > 0 then redis.call('ZREM', prio, unpack(aged)) return aged end
  end
  local ids = redis.call('RPOP', KEYS[1], n)
  if ids then return ids end
  if not hasPrio then return nil end
  local popped = redis.call('ZPOPMIN', prio, n)
  if #popped == 0 then hasPrio = false return nil end
  ids = {}
  for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
  return ids
end
local function park(entry, scope, s, id)
  redis.call('LPUSH', KEYS[4] .. 'parked:' .. scope, entry)
  redis.call('ZADD', throttled, 'LT', retryAt(scope, s, 1000), scope)
  redis.call('HINCRBY', KEYS[4] .. 'throttledby', scope, 1)
  redis.call('HSET', KEYS[4] .. 'job:' .. id, 'waitingFor', scope)
end
local function freeUnique(prefix, id, key, mode) -- the job's unique key is free again (a period's lives on)
  if key and mode ~= 'period' and redis.call('GET', prefix .. 'uniq:' .. key) == id then
    redis.call('DEL', prefix .. 'uniq:' .. key)
  end
end
local watched = redis.call('SCARD', KEYS[4] .. 'watched') > 0
local leases = {}
-- a job of group g (or nil); returns true when the group's marker has been parked with it
local function start(id, v, group)
  local jobKey = KEYS[4] .. 'job:' .. id
  local expires = tonumber(v[at + 4])
  if expires and now > expires then
    redis.call('HSET', jobKey, 'state', 'EXPIRED', 'finishedAt', now,
      'deadReason', 'expired: not started by its expiresAt (' .. expires .. ' ms)')
    redis.call('PEXPIRE', jobKey, tonumber(ARGV[4]))
    redis.call('HINCRBY', KEYS[5], 'expired', 1)
    freeUnique(KEYS[4], id, v[at + 6], v[at + 7])
    if watched then
      emit(KEYS[4], id, 'type', 'state', 'state', 'EXPIRED', 'at', now)
      redis.call('SREM', KEYS[4] .. 'watched', id)
    end
    return false
  end
  local scopes = {}
  if qs then scopes[1] = {'queue', qs} end
  if any then
    for _, scope in ipairs({v[at + 1] and 'type:' .. v[at + 1], v[at + 2] and 'key:' .. v[at + 2],
        group and 'group:' .. group}) do
      local lim = scope and limitOf(scope)
      if lim then
        local s = scopeState(scope, lim)
        if room(s) <= 0 then
          if scope == 'group:' .. tostring(group) then -- the whole group waits: its marker is parked
            redis.call('RPUSH', KEYS[4] .. 'group:' .. group, id)
            redis.call('HINCRBY', KEYS[4] .. 'groups', group, 1)
            park('@g:' .. group, scope, s, id)
            return true
          end
          park(id, scope, s, id)
          return false
        end
        scopes[#scopes + 1] = {scope, s}
      end
    end
  end
  local token, attempts = (tonumber(v[2]) or 0) + 1, (tonumber(v[3]) or 0) + 1
  local slots = {}
  for _, e in ipairs(scopes) do
    local scope, s = e[1], e[2]
    if s.lim.c then
      redis.call('SADD', KEYS[4] .. 'running:' .. scope, id)
      s.used, slots[#slots + 1] = s.used + 1, scope
    end
    if s.lim.r then
      redis.call('ZADD', KEYS[4] .. 'starts:' .. scope, now, id .. ':' .. token)
      s.inWindow, s.started = s.inWindow + 1, true
    end
  end
  redis.call('HSET', jobKey, 'state', 'ACTIVE', 'token', token, 'attempts', attempts, 'worker', worker,
    'startedAt', now)
  if #slots > 0 then redis.call('HSET', jobKey, 'slots', table.concat(slots, ' ')) end
  if v[at + 5] then redis.call('HDEL', jobKey, 'waitingFor') end
  if v[at + 7] == 'queued' or v[at + 7] == 'debounce' then freeUnique(KEYS[4], id, v[at + 6], v[at + 7]) end
  leases[#leases + 1] = deadline
  leases[#leases + 1] = id
  if #leases >= 1000 then
    redis.call('ZADD', KEYS[2], unpack(leases))
    leases = {}
  end
  if watched then emit(KEYS[4], id, 'type', 'state', 'state', 'ACTIVE', 'attempt', attempts, 'at', now) end
  local reply = {token, attempts}
  for k = 4, at do reply[#reply + 1] = (wanted[k] == 'startedAt') and now or v[k] end
  out[#out + 1] = id
  out[#out + 1] = reply
  return false
end
local scanned = 0
while #out - 3 < 2 * take and scanned < take + 500 do
  local entries = nextEntries(math.min(take - (#out - 3) / 2, take + 500 - scanned))
  if not entries then break end
  for _, e in ipairs(entries) do
    scanned = scanned + 1
    local id, group = e, nil
    if string.byte(e, 1) == 64 then -- '@': a marker, not a job id
      group, id = string.match(e, '^@g:(.+)$'), nil
      if group then
        id = redis.call('RPOP', KEYS[4] .. 'group:' .. group)
        if id and redis.call('HINCRBY', KEYS[4] .. 'groups', group, -1) <= 0 then
          redis.call('HDEL', KEYS[4] .. 'groups', group)
        end
      end
    end
    local parkedGroup = false
    if id then
      local v = redis.call('HMGET', KEYS[4] .. 'job:' .. id, unpack(wanted))
      if v[1] == 'QUEUED' then parkedGroup = start(id, v, group) end
    end
    if group and not parkedGroup and redis.call('EXISTS', KEYS[4] .. 'group:' .. group) == 1 then
      redis.call('LPUSH', KEYS[1], e) -- the group's turn ends: its marker goes to the back
    end
  end
end
if #leases > 0 then redis.call('ZADD', KEYS[2], unpack(leases)) end
for scope, s in pairs(seen) do -- a window log outlives its last start by one period, then goes
  if s.started then redis.call('PEXPIRE', KEYS[4] .. 'starts:' .. scope, s.lim.p) end
end
local next = redis.call('ZRANGE', throttled, 0, 0, 'WITHSCORES')
if next[2] then out[3] = math.max(1, tonumber(next[2]) - now) end
return out
