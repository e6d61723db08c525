redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ renew: extend the leases of a worker's running jobs, and tell it which it no longer owns.
KEYS[1] active zset   KEYS[2] queue key prefix "jobfleet:{q}:"
ARGV[1] lease ms, then pairs: job id, fencing token
Returns {id, status, ...} only for jobs not renewed: "cancelled" (state CANCELLED: stop the
handler), "lost" (reaped, or claimed again by another worker: stop, record nothing).
Each lease is removed then re-added: ZREM is the first write, so renewals go on with
Redis memory full and a live worker's jobs are never reaped for it. Safe to repeat. ]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadline = now + tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local state, current = unpack(redis.call('HMGET', KEYS[2] .. 'job:' .. id, 'state', 'token'))
  if state == 'ACTIVE' and current == token then
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZADD', KEYS[1], deadline, id)
  else
    out[#out + 1] = id
    out[#out + 1] = (state == 'CANCELLED') and 'cancelled' or 'lost'
  end
end
return out
