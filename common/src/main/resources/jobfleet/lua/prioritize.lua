--[[ prioritize: change a waiting job's priority (0 claimed first .. 9 last).
KEYS[1] pending list   KEYS[2] job hash   KEYS[3] queue key prefix "jobfleet:{q}:"
ARGV[1] job id   ARGV[2] new priority (0-9)
A QUEUED job in the prio zset is scored again (enqueue time + priority x 60 s, the aging step);
one in pending (priority 0) moves to the prio zset, an O(depth) LREM; one waiting in a group or
parked on a limit keeps its place. A SCHEDULED job takes its priority when it becomes due.
Returns {1, state} changed, {-1} not found, {-2, state} when the job no longer waits. ]]
local id, priority = ARGV[1], tonumber(ARGV[2])
local state, enqueuedAt = unpack(redis.call('HMGET', KEYS[2], 'state', 'enqueuedAt'))
if not state then return {-1} end
if state ~= 'QUEUED' and state ~= 'SCHEDULED' then return {-2, state} end
if priority > 0 then
  redis.call('HSET', KEYS[2], 'priority', priority)
else
  redis.call('HDEL', KEYS[2], 'priority')
end
if state == 'QUEUED' then
  local score = (tonumber(enqueuedAt) or 0) + priority * 60000
  if redis.call('ZSCORE', KEYS[3] .. 'prio', id) then
    redis.call('ZADD', KEYS[3] .. 'prio', score, id)
  elseif priority > 0 and redis.call('LREM', KEYS[1], 1, id) == 1 then
    redis.call('ZADD', KEYS[3] .. 'prio', score, id)
    if redis.call('LLEN', KEYS[1]) == 0 then redis.call('LPUSH', KEYS[1], '@') end
  end
end
return {1, state}
