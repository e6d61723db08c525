redis.replicate_commands() -- writes after TIME/XADD * on 6.x with lua-replicate-commands no; a no-op on 7.x
--[[ progress: record a running job's progress, fenced by its token.
KEYS[1] job hash   KEYS[2] queue key prefix "jobfleet:{q}:" (for the job's event stream)
ARGV[1] fencing token   ARGV[2] progress JSON   ARGV[3] job id
Returns 1 recorded, -3 the caller no longer owns the job (lease lost or job cancelled). ]]
local function emit(prefix, id, ...) -- to the job's event stream, only while an SSE client watches it
  if redis.call('SISMEMBER', prefix .. 'watched', id) == 1 then
    redis.call('XADD', prefix .. 'events:' .. id, 'MAXLEN', '~', 200, '*', ...)
    redis.call('PEXPIRE', prefix .. 'events:' .. id, 86400000)
  end
end
local state, token = unpack(redis.call('HMGET', KEYS[1], 'state', 'token'))
if state ~= 'ACTIVE' or token ~= ARGV[1] then return -3 end
redis.call('HSET', KEYS[1], 'progress', ARGV[2])
emit(KEYS[2], ARGV[3], 'type', 'progress', 'progress', ARGV[2])
return 1
