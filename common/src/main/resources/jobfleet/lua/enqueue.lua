redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ enqueue: add one or more jobs to a queue (QUEUED, or SCHEDULED when due later).
KEYS[1] pending list   KEYS[2] scheduled zset   KEYS[3] queue key prefix "jobfleet:{q}:"
ARGV[1] job count n    ARGV[2] idempotency TTL ms   ARGV[3] max pending depth (0 = no limit)
then per job, 7 values + its fields:
  id, idempotency key ("" = none), payload fingerprint, delay ms, run-at ms (0 = none),
  front (1 = push to the claim end: priority high), field count m, then m name/value pairs
Returns {status1, id1, status2, id2, ...}: 1 created, 2 replay (same key and fingerprint, or the
same id again: a client retry), -4 conflict (key reused with another payload; id = the original).
Returns {-7} when the pending list is at the max depth: nothing is written.
Safe to repeat: ids come from the client, so a retried call replays instead of duplicating.
The first write is HSET/SET (refused when Redis memory is full), so a full Redis writes nothing. ]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n, idemTtl, maxDepth = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if maxDepth > 0 and redis.call('LLEN', KEYS[1]) + n > maxDepth then
  return {-7}
end
local out = {}
local i = 4
for _ = 1, n do
  local id, idem, fp = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local delay, runAt, front, m = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), ARGV[i + 5], tonumber(ARGV[i + 6])
  local fieldsAt = i + 7
  i = fieldsAt + 2 * m
  local status, jobId = 1, id
  if idem ~= '' then
    local existing = redis.call('GET', KEYS[3] .. 'idem:' .. idem)
    if existing then
      local sep = string.find(existing, '|', 1, true)
      jobId = string.sub(existing, 1, sep - 1)
      status = (string.sub(existing, sep + 1) == fp) and 2 or -4
    end
  end
  local jobKey = KEYS[3] .. 'job:' .. id
  if status == 1 and redis.call('EXISTS', jobKey) == 1 then
    status = 2
  end
  if status == 1 then
    local due = 0
    if runAt > 0 then due = runAt elseif delay > 0 then due = now + delay end
    local state = (due > now) and 'SCHEDULED' or 'QUEUED'
    local fields = {'state', state, 'createdAt', now}
    for f = fieldsAt, fieldsAt + 2 * m - 1 do fields[#fields + 1] = ARGV[f] end
    if state == 'SCHEDULED' then
      fields[#fields + 1] = 'runAt'; fields[#fields + 1] = due
    else
      fields[#fields + 1] = 'enqueuedAt'; fields[#fields + 1] = now
    end
    redis.call('HSET', jobKey, unpack(fields))
    if idem ~= '' then
      redis.call('SET', KEYS[3] .. 'idem:' .. idem, id .. '|' .. fp, 'PX', idemTtl)
    end
    if state == 'SCHEDULED' then
      redis.call('ZADD', KEYS[2], due, id)
    elseif front == '1' then
      redis.call('RPUSH', KEYS[1], id)
    else
      redis.call('LPUSH', KEYS[1], id)
    end
  end
  out[#out + 1] = status
  out[#out + 1] = jobId
end
return out
