package io.jobfleet.common.internal.redis;

import io.jobfleet.common.error.RedisCommandException;
import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.error.RedisUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisBroadcastException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Where every Redis call goes through: runs it on the client, repeats for a moment what a
 * repeat may cure, runs scripts by SHA-1, and translates every Jedis error, in {@link #translate}
 * alone, into jobfleet's own exceptions. Thread-safe.
 */
final class CallEdge {
    /** How long {@link #call} retries a {@link #retriable} error before it gives up. */
    static final Duration RETRY_FOR = Duration.ofSeconds(2);

    private static final LongAdder ROUND_TRIPS = new LongAdder();
    private static final List<String> RETRIABLE =
            List.of("TRYAGAIN", "CLUSTERDOWN", "READONLY", "MASTERDOWN", "LOADING", "NOREPLICAS");
    private static final List<String> UNAVAILABLE =
            List.of("LOADING", "BUSY", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS");

    private final UnifiedJedis jedis;
    private final RedisSettings settings;

    CallEdge(UnifiedJedis jedis, RedisSettings settings) {
        this.jedis = jedis;
        this.settings = settings;
    }

    /** Round trips made by this process so far (a pipeline is one). */
    static long roundTrips() {
        return ROUND_TRIPS.sum();
    }

    /**
     * Runs one command, translating Jedis errors. A server that cannot serve for a moment
     * ({@link #retriable}: a Cluster slot moving or a Cluster without a majority, a demoted master)
     * is asked again with backoff for up to {@link #RETRY_FOR}; after that its error is
     * thrown as {@link RedisUnavailableException}.
     */
    <T> T call(Function<UnifiedJedis, T> command) {
        ROUND_TRIPS.increment();
        long deadline = System.nanoTime() + RETRY_FOR.toNanos();
        for (long sleep = 10; ; sleep = Math.min(sleep * 2, 200)) {
            try {
                return command.apply(jedis);
            } catch (JedisException e) {
                if (!retriable(e) || System.nanoTime() + sleep * 1_000_000 > deadline) throw translate(e);
                pause(sleep);
            }
        }
    }

    /** Runs a script by its SHA-1; loads it first if this server has not seen it (NOSCRIPT). */
    Object run(Script script, List<String> keys, List<String> args) {
        return call(j -> {
            try {
                return j.evalsha(script.sha, keys, args);
            } catch (JedisNoScriptException e) {
                // on Cluster the first key routes the load to the node that runs the script
                j.scriptLoad(script.body, keys.get(0));
                return j.evalsha(script.sha, keys, args);
            }
        });
    }

    /**
     * Errors a repeat may cure soon, safe to repeat because the server refused the command (or
     * the script's first write) before it changed anything: TRYAGAIN (a slot being moved),
     * CLUSTERDOWN (the cluster has no majority or lost a slot's master, for a few seconds in a
     * failover), READONLY (a master demoted to replica, until the client learns the new one),
     * MASTERDOWN, LOADING, and NOREPLICAS (a master with {@code min-replicas-to-write} set that
     * has too few replicas attached, as after a failover until they follow the new master).
     */
    static boolean retriable(JedisException e) {
        if (!(e instanceof JedisDataException)) return false;
        String code = errorCode(String.valueOf(e.getMessage()));
        return RETRIABLE.stream().anyMatch(code::startsWith);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisUnavailableException("interrupted while waiting for Redis to serve again", e);
        }
    }

    /** The error code of a Redis error message, unwrapping one raised inside a script. */
    private static String errorCode(String message) {
        // Redis 6.2 wraps an error raised inside a script: "ERR Error running script (call to f_..):
        // @user_script:49: @user_script: 49: -OOM command not allowed ..."; 7.x keeps the code first
        int inner = message.indexOf(": -");
        return message.startsWith("ERR Error running script") && inner >= 0 ? message.substring(inner + 3) : message;
    }

    /** The one translation of a Jedis error into a jobfleet exception with a stable code. */
    RuntimeException translate(JedisException e) {
        if (e instanceof JedisConnectionException
                || e instanceof JedisClusterOperationException
                || e instanceof JedisBroadcastException) {
            // a command sent to every Cluster master (SCRIPT LOAD) fails when one of them is down
            // the Cluster client gives up with JedisClusterOperationException after its retries
            return new RedisUnavailableException(
                    "Redis at " + settings.address() + " is unreachable: " + e.getMessage(), e);
        }
        String message = String.valueOf(e.getMessage());
        if (e instanceof JedisDataException) {
            String code = errorCode(message);
            if (code.startsWith("OOM")) return new RedisOutOfMemoryException(e);
            if (UNAVAILABLE.stream().anyMatch(code::startsWith)) {
                return new RedisUnavailableException(
                        "Redis at " + settings.address() + " cannot serve now: " + message, e);
            }
        }
        if (e.getCause() instanceof NoSuchElementException) {
            return new RedisUnavailableException(
                    "no free Redis connection in the pool of " + settings.poolSize() + " within "
                            + settings.socketTimeout().plus(Redis.MAX_BLOCK).toMillis() + " ms",
                    e);
        }
        return new RedisCommandException("Redis at " + settings.address() + " refused a command: " + message, e);
    }
}
