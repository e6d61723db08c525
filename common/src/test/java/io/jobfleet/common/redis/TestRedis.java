package io.jobfleet.common.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * Real Redis servers for tests. The binary is {@code $JOBFLEET_TEST_REDIS} when set (CI sets it to
 * Debian's redis-server 7.x), else the Redis 6.2 binary inside embedded-redis. {@link #raw} gives
 * tests direct access to assert on raw Redis state after a script.
 */
public final class TestRedis {
    private TestRedis() {}

    public static Path binary() {
        String env = System.getenv("JOBFLEET_TEST_REDIS");
        if (env == null || env.isBlank()) return null;
        Path path = Path.of(env);
        if (!Files.isExecutable(path))
            throw new IllegalStateException("JOBFLEET_TEST_REDIS=" + env + " is not an executable");
        return path;
    }

    public static EmbeddedRedis start(String... extraArgs) {
        return EmbeddedRedis.start(binary(), 0, List.of(extraArgs));
    }

    public static Redis connect(EmbeddedRedis server) {
        return Redis.connect(RedisSettings.fromUrl(server.url()));
    }

    public static void flush(Redis redis) {
        redis.call(UnifiedJedis::flushAll);
    }

    /** Direct Jedis access for assertions on raw state; tests only. */
    public static <T> T raw(Redis redis, java.util.function.Function<UnifiedJedis, T> command) {
        return redis.call(command);
    }

    public static Map<String, String> hash(Redis redis, String key) {
        return redis.call(j -> j.hgetAll(key));
    }

    /** Calls of one command since the last CONFIG RESETSTAT, from INFO commandstats (e.g. "evalsha"). */
    public static long commandCalls(Redis redis, String command) {
        String line = redis.info("commandstats", "cmdstat_" + command);
        if (line == null) return 0;
        for (String part : line.split(",")) {
            if (part.startsWith("calls=")) return Long.parseLong(part.substring(6));
        }
        return 0;
    }

    public static void resetStats(Redis redis) {
        redis.call(j -> j.sendCommand(Protocol.Command.CONFIG, "RESETSTAT"));
    }
}
