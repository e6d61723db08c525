package io.jobfleet.common.internal.redis;

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
 *
 * <p>{@code JOBFLEET_TEST_TOPOLOGY=cluster} or {@code sentinel} makes {@link #url} and
 * {@link #connect} give tests a real 3-master Cluster (3 replicas) or a 1-master, 2-replica,
 * 3-sentinel set instead, started once per test JVM and stopped when it exits. Tests that need the
 * one server itself (kill it, CONFIG SET on it, cluster-enabled options) are tagged
 * {@code single-server} and excluded from those runs.
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

    /** {@code single} (default), {@code cluster} or {@code sentinel}, from {@code $JOBFLEET_TEST_TOPOLOGY}. */
    public static String topology() {
        String env = System.getenv("JOBFLEET_TEST_TOPOLOGY");
        String topology = env == null || env.isBlank() ? "single" : env.trim();
        if (!List.of("single", "cluster", "sentinel").contains(topology))
            throw new IllegalStateException("JOBFLEET_TEST_TOPOLOGY=" + env + ": use single, cluster or sentinel");
        return topology;
    }

    private static String sharedUrl;

    /** The URL tests connect to: the server's, or the shared Cluster's or Sentinel set's under a topology. */
    public static synchronized String url(EmbeddedRedis server) {
        if (topology().equals("single")) return server.url();
        if (sharedUrl == null) {
            AutoCloseable shared;
            if (topology().equals("cluster")) {
                LocalCluster cluster = LocalCluster.start(binary(), 3, 1);
                sharedUrl = cluster.url();
                shared = cluster;
            } else {
                LocalSentinel set = LocalSentinel.start(binary(), 2, 3);
                sharedUrl = set.url();
                shared = set;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    shared.close();
                } catch (Exception e) {
                    // the JVM is exiting
                }
            }));
        }
        return sharedUrl;
    }

    public static EmbeddedRedis start(String... extraArgs) {
        return EmbeddedRedis.start(binary(), 0, List.of(extraArgs));
    }

    public static Redis connect(EmbeddedRedis server) {
        return Redis.connect(RedisSettings.fromUrl(url(server)));
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

    /**
     * Calls of one command since the last CONFIG RESETSTAT, from INFO commandstats (e.g.
     * "evalsha"), summed over every server (every Cluster node).
     */
    public static long commandCalls(Redis redis, String command) {
        long calls = 0;
        for (String info : redis.infoEveryNode("commandstats").values()) {
            for (String line : info.split("\r?\n")) {
                if (!line.startsWith("cmdstat_" + command + ":")) continue;
                for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (part.startsWith("calls=")) calls += Long.parseLong(part.substring(6));
                }
            }
        }
        return calls;
    }

    public static void resetStats(Redis redis) {
        redis.everyNode(Protocol.Command.CONFIG, "RESETSTAT");
    }
}
