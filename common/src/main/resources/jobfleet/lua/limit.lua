--[[ limit: set or delete one scope's flow-control limit; claims look at its parked jobs again at once.
KEYS[1] limits hash   KEYS[2] throttled zset   KEYS[3] the scope's parked list (parked:<scope>)
KEYS[4] pending list
ARGV[1] scope (queue, type:<t>, key:<k>, key:*, group:<g>, group:*)
ARGV[2] concurrency field (c:<scope>)   ARGV[3] its value, most jobs running at once, '' for none
ARGV[4] rate field (r:<scope>)   ARGV[5] its value "<N> <periodMs>", '' for none
A set replaces the scope's limit whole: a field given '' is deleted, so '' and '' deletes it.
A change may free parked jobs, so the scope goes to the front of the throttled zset (score 0)
when its parked list holds any; for key:* or group:* every throttled key:/group: scope does.
Then, as enqueue does for prio and group jobs, a wake marker '@' goes into an empty pending
list: a worker blocked on it claims now, not when its parked jobs were next due.
Returns 1 when the scope had a limit before, 0 when not. Safe to repeat. ]]
local had = redis.call('HEXISTS', KEYS[1], ARGV[2]) + redis.call('HEXISTS', KEYS[1], ARGV[4])
for i = 2, 4, 2 do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
local rescored = 0
local kind = string.match(ARGV[1], '^(%a+):%*$')
if kind then
  for _, scope in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    if string.match(scope, '^(%a+):') == kind then
      redis.call('ZADD', KEYS[2], 0, scope)
      rescored = rescored + 1
    end
  end
elseif redis.call('LLEN', KEYS[3]) > 0 then
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
  rescored = 1
end
if rescored > 0 and redis.call('LLEN', KEYS[4]) == 0 then redis.call('LPUSH', KEYS[4], '@') end
if had > 0 then return 1 end
return 0
