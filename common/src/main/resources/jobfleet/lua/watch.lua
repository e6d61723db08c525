--[[ watch: an SSE client watches a job, so its transitions are written to its event stream.
KEYS[1] job hash   KEYS[2] watched set   ARGV[1] job id
Returns 1 watched, 0 not: the job is gone or has finished (SUCCEEDED, CANCELLED). Only the
scripts that finish a job (ack, cancel; purge for a DEAD one) remove it from the set, so a
finished job added here would stay in it for good. A DEAD job is watched: it may be requeued. ]]
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'SUCCEEDED' or state == 'CANCELLED' then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
