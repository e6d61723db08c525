redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ heartbeat: write a worker's hash and its TTL together, so no crash leaves a hash that never
expires (a worker shown alive for good). The index jobfleet:workers is another slot on Cluster,
so the caller updates it after this.
KEYS[1] worker hash   ARGV[1] TTL ms, then field, value pairs
Sets lastBeat to the server clock. Returns it (ms). ]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'lastBeat', now, unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return now
