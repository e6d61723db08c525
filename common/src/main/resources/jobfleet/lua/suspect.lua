--[[ suspect: mark the run of a job one lease expiry short of the poison limit as the run that
decides: if its lease expires now (its worker died while running it), reap.lua makes it DEAD as
poison. An unmarked run of such a job (held by a worker that died of something else, before
running it) only goes back to pending, so a job never dies for a crash it was not running in.
KEYS[1] job hash
ARGV[1] fencing token
Returns 1 marked, -3 the caller no longer owns the job (lease lost, reaped or cancelled). ]]
local state, token = unpack(redis.call('HMGET', KEYS[1], 'state', 'token'))
if state ~= 'ACTIVE' or token ~= ARGV[1] then return -3 end
redis.call('HSET', KEYS[1], 'suspectRun', ARGV[1])
return 1
