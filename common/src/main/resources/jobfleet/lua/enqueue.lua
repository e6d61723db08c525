redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ enqueue: add one or more jobs to a queue (QUEUED, or SCHEDULED when due later).
KEYS[1] pending list   KEYS[2] scheduled zset   KEYS[3] queue key prefix "jobfleet:{q}:"
KEYS[4] retired marker of this partition (exists while a shrink has dropped it)
ARGV[1] job count n    ARGV[2] idempotency TTL ms   ARGV[3] max pending depth (0 = no limit)
then per job, 7 values and its fields: id, idempotency key ("" = none), payload fingerprint,
  delay ms, run-at ms (0 = none), front (1 = push to the claim end: priority high), field count m, m name/value pairs
Returns {status1, id1, status2, id2, ...}: 1 created, 2 replay (same key and fingerprint, or the
same id again: a client retry), -4 conflict (key reused with another payload; id = the original).
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
local jobs, keysSeen, idsSeen = {}, {}, {}
local creating = 0
local i = 4
for j = 1, n do
  local id, idem, fp = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local job = {at = i, status = 1, id = id}
  i = i + 7 + 2 * tonumber(ARGV[i + 6])
  if idem ~= '' then
    local existing = keysSeen[idem] or redis.call('GET', KEYS[3] .. 'idem:' .. idem)
    if existing then
      local sep = string.find(existing, '|', 1, true)
      job.id = string.sub(existing, 1, sep - 1)
      job.status = (string.sub(existing, sep + 1) == fp) and 2 or -4
    end
  end
  if job.status == 1 and (idsSeen[id] or redis.call('EXISTS', KEYS[3] .. 'job:' .. id) == 1) then
    job.status = 2
  end
  if job.status == 1 then
    creating = creating + 1
    idsSeen[id] = true
    if idem ~= '' then keysSeen[idem] = id .. '|' .. fp end
  end
  jobs[j] = job
end
if maxDepth > 0 and creating > 0 and redis.call('LLEN', KEYS[1]) + creating > maxDepth then
  return {-7}
end
local out = {}
for j = 1, n do
  local job = jobs[j]
  if job.status == 1 then
    local at = job.at
    local id, idem, fp = ARGV[at], ARGV[at + 1], ARGV[at + 2]
    local delay, runAt, front, m = tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4]), ARGV[at + 5], tonumber(ARGV[at + 6])
    local due = 0
    if runAt > 0 then due = runAt elseif delay > 0 then due = now + delay end
    local state = (due > now) and 'SCHEDULED' or 'QUEUED'
    local fields = {'state', state, 'createdAt', now}
    for f = at + 7, at + 6 + 2 * m do fields[#fields + 1] = ARGV[f] end
    local stamp = (state == 'SCHEDULED') and {'runAt', due} or {'enqueuedAt', now}
    fields[#fields + 1] = stamp[1]; fields[#fields + 1] = stamp[2]
    redis.call('HSET', KEYS[3] .. 'job:' .. id, unpack(fields))
    if idem ~= '' then
      -- a job due later keeps its key for the TTL after it is due, not after it was sent
      redis.call('SET', KEYS[3] .. 'idem:' .. idem, id .. '|' .. fp, 'PX', math.max(idemTtl, due - now + idemTtl))
    end
    if state == 'SCHEDULED' then
      redis.call('ZADD', KEYS[2], due, id)
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
