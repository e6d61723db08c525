redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ enqueue: add one or more jobs to a queue (QUEUED, or SCHEDULED when due later).
KEYS[1] pending list   KEYS[2] scheduled zset   KEYS[3] queue key prefix "jobfleet:{q}:"
KEYS[4] retired marker of this partition (exists while a shrink has dropped it)
ARGV[1] job count n    ARGV[2] idempotency TTL ms   ARGV[3] max pending depth (0 = no limit)
then per job, 13 values and its fields: id, idempotency key ("" = none), payload fingerprint,
  delay ms, run-at ms (0 = none), front (1 = push to the claim end: priority high), priority (0-9),
  group ("" = none), unique key ("" = none), unique mode (queued|active|period|debounce), unique
  period ms, on conflict (existing|replace|refuse), field count m, m name/value pairs
Returns {status1, id1, status2, id2, ...}: 1 created, 2 replay (same key and fingerprint, or the
same id again: a client retry), -4 conflict (key reused with another payload; id = the original),
3 duplicate (a unique job holds the key; id = it), 4 replaced (the waiting holder got this payload;
a debounce also pushes its start back), -9 refused (a unique job holds the key).
Where a created job waits: priority 1-9 in the prio zset (score enqueue time + priority x 60 s,
the aging step, + a fraction for its place in the batch), a group's job in group:<g> (its
marker '@g:<g>' in pending while it has jobs), else pending. Prio and group jobs put a wake
marker '@' in an empty pending list, so a blocked waiter sees them. A unique key names its job
in uniq:<key> (a period: for that long).
Returns {-7} when the jobs to create would take the pending list past the max depth: nothing is
written. Replays and conflicts create nothing, so a batch of only those is answered when full.
Returns {-8} when the partition is retired: nothing is written; the caller reads the layout again.
An idempotency key lives its TTL from the job's due time (now, or its delay / run-at).
Safe to repeat: ids come from the client, so a retried call replays instead of duplicating.
The first write is HSET/SET (refused when Redis memory is full), so a full Redis writes nothing,
and a batch of replays (which writes nothing) is answered even then. ]]
if redis.call('EXISTS', KEYS[4]) == 1 then return {-8} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n, idemTtl, maxDepth = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
-- first every job's answer, reading only: the depth check then counts only the jobs to create
local prefix = KEYS[3]
local function holds(mode, state) -- does a job in this state still hold its unique key?
  if mode == 'period' then return true end
  if state == 'QUEUED' or state == 'SCHEDULED' then return true end
  return mode == 'active' and state == 'ACTIVE'
end
local jobs, keysSeen, idsSeen, uniqSeen = {}, {}, {}, {}
local creating = 0
local i = 4
for j = 1, n do
  local id, idem, fp = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local job = {at = i, status = 1, id = id}
  i = i + 13 + 2 * tonumber(ARGV[i + 12])
  if idem ~= '' then
    local existing = keysSeen[idem] or redis.call('GET', KEYS[3] .. 'idem:' .. idem)
    if existing then
      local sep = string.find(existing, '|', 1, true)
      job.id = string.sub(existing, 1, sep - 1)
      job.status = (string.sub(existing, sep + 1) == fp) and 2 or -4
    end
  end
  local ukey, umode, onConflict = ARGV[job.at + 8], ARGV[job.at + 9], ARGV[job.at + 11]
  if job.status == 1 and ukey ~= '' then
    local holder, state = uniqSeen[ukey], 'QUEUED'
    if not holder then
      holder = redis.call('GET', prefix .. 'uniq:' .. ukey)
      state = holder and redis.call('HGET', prefix .. 'job:' .. holder, 'state')
    end
    if holder and (umode == 'period' or (state and holds(umode, state))) then
      job.id = holder
      if onConflict == 'refuse' then
        job.status = -9
      elseif (onConflict == 'replace' or umode == 'debounce') and not uniqSeen[ukey]
          and (state == 'QUEUED' or state == 'SCHEDULED') and (umode ~= 'debounce' or state == 'SCHEDULED') then
        job.status = 4
      else
        job.status = 3
      end
    end
  end
  if job.status == 1 and (idsSeen[id] or redis.call('EXISTS', KEYS[3] .. 'job:' .. id) == 1) then
    job.status = 2
  end
  if job.status == 1 then
    creating = creating + 1
    idsSeen[id] = true
    if idem ~= '' then keysSeen[idem] = id .. '|' .. fp end
    if ukey ~= '' then uniqSeen[ukey] = id end
  end
  jobs[j] = job
end
if maxDepth > 0 and creating > 0 and redis.call('LLEN', KEYS[1]) + creating > maxDepth then
  return {-7}
end
local function payloadOf(at) -- the payload among a job's name/value pairs
  for f = at + 13, at + 12 + 2 * tonumber(ARGV[at + 12]), 2 do
    if ARGV[f] == 'payload' then return ARGV[f + 1] end
  end
end
local function wake() -- a job outside pending: an empty pending list gets a marker so a waiter wakes
  if redis.call('LLEN', KEYS[1]) == 0 then redis.call('LPUSH', KEYS[1], '@') end
end
local out = {}
for j = 1, n do
  local job = jobs[j]
  local at = job.at
  if job.status == 4 then
    local holder = prefix .. 'job:' .. job.id
    redis.call('HSET', holder, 'payload', payloadOf(at))
    if ARGV[at + 9] == 'debounce' then
      local due = now + tonumber(ARGV[at + 10])
      redis.call('HSET', holder, 'runAt', due)
      redis.call('ZADD', KEYS[2], due, job.id)
    end
  elseif job.status == 1 then
    local id, idem, fp = ARGV[at], ARGV[at + 1], ARGV[at + 2]
    local delay, runAt, front, m = tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4]), ARGV[at + 5], tonumber(ARGV[at + 12])
    local priority, group, ukey, umode = tonumber(ARGV[at + 6]), ARGV[at + 7], ARGV[at + 8], ARGV[at + 9]
    local due = 0
    if umode == 'debounce' then due = now + tonumber(ARGV[at + 10])
    elseif runAt > 0 then due = runAt elseif delay > 0 then due = now + delay end
    local state = (due > now) and 'SCHEDULED' or 'QUEUED'
    local fields = {'state', state, 'createdAt', now}
    for f = at + 13, at + 12 + 2 * m do fields[#fields + 1] = ARGV[f] end
    local stamp = (state == 'SCHEDULED') and {'runAt', due} or {'enqueuedAt', now}
    fields[#fields + 1] = stamp[1]; fields[#fields + 1] = stamp[2]
    if priority > 0 then fields[#fields + 1] = 'priority'; fields[#fields + 1] = priority end
    if group ~= '' then fields[#fields + 1] = 'group'; fields[#fields + 1] = group end
    if ukey ~= '' then
      fields[#fields + 1] = 'uniq'; fields[#fields + 1] = ukey
      fields[#fields + 1] = 'uniqMode'; fields[#fields + 1] = umode
    end
    redis.call('HSET', prefix .. 'job:' .. id, unpack(fields))
    if idem ~= '' then
      -- a job due later keeps its key for the TTL after it is due, not after it was sent
      redis.call('SET', prefix .. 'idem:' .. idem, id .. '|' .. fp, 'PX', math.max(idemTtl, due - now + idemTtl))
    end
    if ukey ~= '' and umode == 'period' then
      redis.call('SET', prefix .. 'uniq:' .. ukey, id, 'PX', tonumber(ARGV[at + 10]))
    elseif ukey ~= '' then
      redis.call('SET', prefix .. 'uniq:' .. ukey, id)
    end
    if state == 'SCHEDULED' then
      redis.call('ZADD', KEYS[2], due, id)
    elseif group ~= '' then
      redis.call(front == '1' and 'RPUSH' or 'LPUSH', prefix .. 'group:' .. group, id)
      if redis.call('HINCRBY', prefix .. 'groups', group, 1) == 1 then
        redis.call('LPUSH', KEYS[1], '@g:' .. group)
      end
    elseif priority > 0 then
      wake()
      -- a fraction by batch order keeps a batch FIFO within its millisecond (exact up to 4,000 jobs)
      redis.call('ZADD', prefix .. 'prio', now + priority * 60000 + (j - 1) / n * 0.999, id)
    elseif front == '1' then
      redis.call('RPUSH', KEYS[1], id)
    else
      redis.call('LPUSH', KEYS[1], id)
    end
  end
  out[#out + 1] = job.status
  out[#out + 1] = job.id
end
return out
