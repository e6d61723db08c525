--[[ step: record that a step of a running job is done, so a retry after a crash skips it.
KEYS[1] job hash   KEYS[2] steps hash   ARGV[1] fencing token   ARGV[2] step id
ARGV[3] the step's result JSON
Returns 1 recorded, 0 already recorded (the first result stays), -3 the caller no longer
owns the job. The steps hash expires with the job. ]]
local state, token = unpack(redis.call('HMGET', KEYS[1], 'state', 'token'))
if state ~= 'ACTIVE' or token ~= ARGV[1] then return -3 end
return redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3])
