package io.jobfleet.common.redis;

import io.jobfleet.common.error.ConfigException;
import io.jobfleet.common.error.RedisCommandException;
import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.error.RedisUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The edge between jobfleet and Jedis: a pooled connection, the script runner (EVALSHA, and
 * SCRIPT LOAD on NOSCRIPT) and the translation of every Jedis error into jobfleet's own
 * exceptions. Nothing outside this package sees a Jedis type. Thread-safe.
 */
public final class Redis implements AutoCloseable {
    /** Blocking waits (BLMOVE) last at most this long; the socket allows a little more. */
    public static final Duration MAX_BLOCK = Duration.ofSeconds(2);

    private static final java.util.concurrent.atomic.LongAdder ROUND_TRIPS =
            new java.util.concurrent.atomic.LongAdder();

    private final UnifiedJedis jedis;
    private final RedisSettings settings;

    private Redis(UnifiedJedis jedis, RedisSettings settings) {
        this.jedis = jedis;
        this.settings = settings;
    }

    /**
     * Connects and checks the server: it answers, it is Redis 6.2 or newer, and its
     * maxmemory-policy is noeviction (any other policy can silently delete queue state).
     */
    public static Redis connect(RedisSettings settings) {
        Redis redis = open(settings);
        try {
            redis.checkServer();
            return redis;
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    /** Opens the pool without touching the server, for processes that must start while Redis is down. */
    public static Redis open(RedisSettings settings) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) settings.connectTimeout().toMillis())
                .socketTimeoutMillis((int) settings.socketTimeout().toMillis())
                .blockingSocketTimeoutMillis(
                        (int) (MAX_BLOCK.toMillis() + settings.socketTimeout().toMillis()))
                .database(settings.database())
                .ssl(settings.tls())
                .clientName(settings.clientName());
        if (settings.user() != null) config.user(settings.user());
        if (settings.password() != null) config.password(settings.password());
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        pool.setMinIdle(0);
        pool.setMaxWait(settings.socketTimeout().plus(MAX_BLOCK));
        pool.setTestWhileIdle(true);
        pool.setJmxEnabled(false);
        UnifiedJedis jedis = RedisClient.builder()
                .hostAndPort(new HostAndPort(settings.host(), settings.port()))
                .clientConfig(config.build())
                .poolConfig(pool)
                .build();
        return new Redis(jedis, settings);
    }

    /** Round trips to Redis made by this process so far (a pipeline is one): what jobfleet bench divides by jobs. */
    public static long roundTrips() {
        return ROUND_TRIPS.sum();
    }

    public RedisSettings settings() {
        return settings;
    }

    /** Runs one command, translating Jedis errors. Use only inside this package. */
    <T> T call(Function<UnifiedJedis, T> command) {
        ROUND_TRIPS.increment();
        try {
            return command.apply(jedis);
        } catch (JedisException e) {
            throw translate(e);
        }
    }

    /** Runs a script by its SHA-1; loads it first if this server has not seen it (NOSCRIPT). */
    Object run(Script script, List<String> keys, List<String> args) {
        ROUND_TRIPS.increment();
        try {
            try {
                return jedis.evalsha(script.sha, keys, args);
            } catch (JedisNoScriptException e) {
                jedis.scriptLoad(script.body, keys.get(0));
                return jedis.evalsha(script.sha, keys, args);
            }
        } catch (JedisException e) {
            throw translate(e);
        }
    }

    /**
     * Waits until {@code list} is not empty, without taking anything from it: BLMOVE from its
     * right end back onto its right end leaves the list as it was. Returns false on timeout.
     */
    boolean awaitNonEmpty(String list, Duration timeout) {
        double seconds = Math.min(timeout.toMillis(), MAX_BLOCK.toMillis()) / 1000.0;
        return call(j -> j.blmove(list, list, ListDirection.RIGHT, ListDirection.RIGHT, seconds)) != null;
    }

    /** HMGET of the same fields on many hashes in one pipelined round trip (the keys must share a slot on Cluster). */
    List<List<String>> hmgetMany(List<String> keys, String... fields) {
        return call(j -> {
            try (AbstractPipeline pipeline = j.pipelined()) {
                List<Response<List<String>>> replies = new java.util.ArrayList<>(keys.size());
                for (String key : keys) replies.add(pipeline.hmget(key, fields));
                pipeline.sync();
                return replies.stream().map(Response::get).toList();
            }
        });
    }

    /** HGETALL of many hashes in one pipelined round trip. */
    List<java.util.Map<String, String>> hgetAllMany(List<String> keys) {
        return call(j -> {
            try (AbstractPipeline pipeline = j.pipelined()) {
                List<Response<java.util.Map<String, String>>> replies = new java.util.ArrayList<>(keys.size());
                for (String key : keys) replies.add(pipeline.hgetAll(key));
                pipeline.sync();
                return replies.stream().map(Response::get).toList();
            }
        });
    }

    public void ping() {
        call(UnifiedJedis::ping);
    }

    /** Loads every script into the server's script cache (readiness: the first job pays no NOSCRIPT round trip). */
    public int loadScripts() {
        for (Script script : Script.values()) {
            call(j -> j.scriptLoad(script.body, Keys.queues()));
        }
        return Script.values().length;
    }

    /** Connections in use and idle in the pool, and its size. */
    public record PoolStats(int active, int idle, int max) {}

    public PoolStats poolStats() {
        if (jedis instanceof RedisClient client) {
            return new PoolStats(
                    client.getPool().getNumActive(), client.getPool().getNumIdle(), settings.poolSize());
        }
        return new PoolStats(-1, -1, settings.poolSize());
    }

    /** One field of INFO, e.g. {@code info("memory", "used_memory")}; null when absent. */
    public String info(String section, String field) {
        String text = call(j -> j.info(section));
        for (String line : text.split("\r?\n")) {
            if (line.startsWith(field + ":"))
                return line.substring(field.length() + 1).trim();
        }
        return null;
    }

    /** The Redis server's clock, in epoch milliseconds: the clock leases and due times use. */
    public long serverTimeMs() {
        List<?> time = (List<?>) call(j -> j.sendCommand(Protocol.Command.TIME));
        long seconds = Long.parseLong(new String((byte[]) time.get(0), StandardCharsets.US_ASCII));
        long micros = Long.parseLong(new String((byte[]) time.get(1), StandardCharsets.US_ASCII));
        return seconds * 1000 + micros / 1000;
    }

    void checkServer() {
        String version = info("server", "redis_version");
        if (version == null || !atLeast(version, 6, 2)) {
            throw new ConfigException("Redis at " + settings.address() + " is version " + version
                    + "; jobfleet needs Redis 6.2 or newer");
        }
        String policy = info("memory", "maxmemory_policy");
        if (policy != null && !policy.equals("noeviction")) {
            throw new ConfigException("Redis at " + settings.address() + " has maxmemory-policy '" + policy
                    + "': jobfleet needs 'noeviction', because eviction would silently delete queued jobs."
                    + " Fix it with: redis-cli CONFIG SET maxmemory-policy noeviction (and in redis.conf)");
        }
    }

    static boolean atLeast(String version, int major, int minor) {
        String[] parts = version.split("\\.");
        int maj = Integer.parseInt(parts[0]);
        int min = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        return maj > major || (maj == major && min >= minor);
    }

    RuntimeException translate(JedisException e) {
        if (e instanceof JedisConnectionException) {
            return new RedisUnavailableException(
                    "Redis at " + settings.address() + " is unreachable: " + e.getMessage(), e);
        }
        String message = String.valueOf(e.getMessage());
        if (e instanceof JedisDataException) {
            // Redis 6.2 wraps an error raised inside a script: "ERR Error running script (call to f_..):
            // @user_script:49: @user_script: 49: -OOM command not allowed ..."; 7.x keeps the code first
            int inner = message.indexOf(": -");
            String code = message.startsWith("ERR Error running script") && inner >= 0
                    ? message.substring(inner + 3)
                    : message;
            if (code.startsWith("OOM")) return new RedisOutOfMemoryException(e);
            for (String transient_ : List.of("LOADING", "BUSY", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN")) {
                if (code.startsWith(transient_)) {
                    return new RedisUnavailableException(
                            "Redis at " + settings.address() + " cannot serve now: " + message, e);
                }
            }
        }
        if (e.getCause() instanceof java.util.NoSuchElementException) {
            return new RedisUnavailableException(
                    "no free Redis connection in the pool of " + settings.poolSize() + " within "
                            + settings.socketTimeout().plus(MAX_BLOCK).toMillis() + " ms",
                    e);
        }
        return new RedisCommandException("Redis at " + settings.address() + " refused a command: " + message, e);
    }

    @Override
    public void close() {
        jedis.close();
    }
}
