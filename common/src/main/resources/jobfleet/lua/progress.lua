--[[ progress: record a running job's progress, fenced by its token.
KEYS[1] job hash   ARGV[1] fencing token   ARGV[2] progress JSON
Returns 1 recorded, -3 the caller no longer owns the job (lease lost or job cancelled). ]]
local state, token = unpack(redis.call('HMGET', KEYS[1], 'state', 'token'))
if state ~= 'ACTIVE' or token ~= ARGV[1] then return -3 end
redis.call('HSET', KEYS[1], 'progress', ARGV[2])
return 1
