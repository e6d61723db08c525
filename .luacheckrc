-- luacheck settings for the Redis scripts (common/src/main/resources/jobfleet/lua), run by bin/test.
-- Scripts run in Redis's Lua 5.1 with these globals and nothing else.
std = "lua51"
read_globals = {"redis", "KEYS", "ARGV", "cjson", "cmsgpack", "bit", "struct"}
