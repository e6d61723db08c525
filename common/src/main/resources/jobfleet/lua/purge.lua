--[[ purge: delete dead jobs for good (the operator's choice, or the DLQ retention).
KEYS[1] dead zset   KEYS[2] queue key prefix "jobfleet:{q}:"   KEYS[3] stats hash
ARGV[1] stats field to count the deletions under ("purged" or "deadExpired"), then job ids
Returns the number of jobs deleted. A job that is no longer DEAD is left alone. A deleted job's
idempotency key goes with it (if the key still names it), so its client can submit again.
Safe to repeat. ]]
local deleted = 0
for i = 2, #ARGV do
  local id = ARGV[i]
  local jobKey = KEYS[2] .. 'job:' .. id
  local state = redis.call('HGET', jobKey, 'state')
  if state == 'DEAD' or not state then
    local idem = state and redis.call('HGET', jobKey, 'idemKey')
    if idem then
      local idemKey = KEYS[2] .. 'idem:' .. idem
      local named = redis.call('GET', idemKey)
      if named and string.sub(named, 1, #id + 1) == id .. '|' then redis.call('DEL', idemKey) end
    end
    redis.call('ZREM', KEYS[1], id)
    redis.call('DEL', jobKey, KEYS[2] .. 'steps:' .. id, KEYS[2] .. 'events:' .. id)
    redis.call('SREM', KEYS[2] .. 'watched', id)
    if state then deleted = deleted + 1 end
  end
end
if deleted > 0 then redis.call('HINCRBY', KEYS[3], ARGV[1], deleted) end
return deleted
