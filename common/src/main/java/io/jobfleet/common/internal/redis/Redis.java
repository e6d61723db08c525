package io.jobfleet.common.internal.redis;

import io.jobfleet.common.error.RedisCommandException;
import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.error.RedisUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
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
     * Connects and checks the server: it answers, it is Redis 6.2 or newer, its
     * maxmemory-policy is noeviction (any other policy can silently delete queue state), and its
     * key layout is one this build serves ({@link SchemaVersion}).
     */
    public static Redis connect(RedisSettings settings) {
        Redis redis = open(settings);
        try {
            redis.checkServer();
            SchemaVersion.check(redis);
            return redis;
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    /**
     * Opens the pool. For one server this does not touch it, so a process can start while Redis is
     * down; a Sentinel or Cluster client must ask the sentinels or a seed node for the topology
     * first, and throws {@link RedisUnavailableException} when none answers.
     */
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
        java.util.Set<HostAndPort> nodes = new java.util.LinkedHashSet<>();
        for (RedisSettings.Node node : settings.nodes()) nodes.add(new HostAndPort(node.host(), node.port()));
        try {
            UnifiedJedis jedis =
                    switch (settings.topology()) {
                        case SINGLE ->
                            RedisClient.builder()
                                    .hostAndPort(nodes.iterator().next())
                                    .clientConfig(config.build())
                                    .poolConfig(pool)
                                    .build();
                        // the client subscribes to +switch-master on the sentinels and moves its pool to the new master
                        case SENTINEL ->
                            RedisSentinelClient.builder()
                                    .masterName(settings.masterName())
                                    .sentinels(nodes)
                                    .clientConfig(config.build())
                                    .sentinelClientConfig(DefaultJedisClientConfig.builder()
                                            .connectionTimeoutMillis((int)
                                                    settings.connectTimeout().toMillis())
                                            .socketTimeoutMillis((int)
                                                    settings.socketTimeout().toMillis())
                                            .ssl(settings.tls())
                                            .clientName(settings.clientName())
                                            .build())
                                    .poolConfig(pool)
                                    .build();
                        // MOVED and ASK are followed by the client; connection errors are retried by it too
                        case CLUSTER ->
                            RedisClusterClient.builder()
                                    .nodes(nodes)
                                    .clientConfig(config.build())
                                    .poolConfig(pool)
                                    .maxAttempts(5)
                                    .maxTotalRetriesDuration(
                                            settings.socketTimeout().plus(MAX_BLOCK))
                                    .build();
                    };
            return new Redis(jedis, settings);
        } catch (JedisException e) {
            throw new RedisUnavailableException(
                    "Redis at " + settings.address() + " is unreachable: " + e.getMessage(), e);
        }
    }

    /** Round trips to Redis made by this process so far (a pipeline is one): what jobfleet bench divides by jobs. */
    public static long roundTrips() {
        return ROUND_TRIPS.sum();
    }

    public RedisSettings settings() {
        return settings;
    }

    /**
     * Runs one command, translating Jedis errors. A server that cannot serve for a moment
     * ({@link #retriable}: a Cluster slot moving or a Cluster without a majority, a demoted master)
     * is asked again with backoff for up to {@link #RETRY_FOR}; after that its error is
     * thrown as {@link RedisUnavailableException}. Use only inside this package.
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
        script.check(keys);
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

    /** How long {@link #call} retries a {@link #retriable} error before it gives up. */
    static final Duration RETRY_FOR = Duration.ofSeconds(2);

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
        for (String c : List.of("TRYAGAIN", "CLUSTERDOWN", "READONLY", "MASTERDOWN", "LOADING", "NOREPLICAS")) {
            if (code.startsWith(c)) return true;
        }
        return false;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisUnavailableException("interrupted while waiting for Redis to serve again", e);
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

    /**
     * Every key matching {@code pattern}, by SCAN (never KEYS): on Cluster over every master, so
     * a pattern without a hash tag still sees every slot. For fleet-wide lookups of a bounded
     * number of keys; the result is collected in memory.
     */
    List<String> scanKeys(String pattern) {
        return call(j -> {
            java.util.Set<String> keys = new java.util.LinkedHashSet<>();
            redis.clients.jedis.ScanIteration scan = j.scanIteration(1000, pattern);
            while (!scan.isIterationCompleted()) keys.addAll(scan.nextBatch().getResult());
            return List.copyOf(keys);
        });
    }

    public void ping() {
        call(UnifiedJedis::ping);
    }

    /**
     * Loads every script into the server's script cache (readiness: the first job pays no NOSCRIPT
     * round trip). On Cluster the load goes to every master (a promoted replica loads on its first NOSCRIPT).
     */
    public int loadScripts() {
        for (Script script : Script.values()) {
            call(j -> j.scriptLoad(script.body));
        }
        return Script.values().length;
    }

    /**
     * Connections in use and idle in the pool, and its size. On Cluster every node has its own
     * pool of that size: these are the busiest node's numbers, the one that runs out first.
     */
    public record PoolStats(int active, int idle, int max) {}

    public PoolStats poolStats() {
        java.util.Collection<? extends org.apache.commons.pool2.impl.GenericObjectPool<Connection>> pools =
                switch (jedis) {
                    case RedisClient client -> List.of(client.getPool());
                    case RedisClusterClient cluster -> cluster.getClusterNodes().values();
                    case RedisSentinelClient sentinel ->
                        sentinel.getPrimaryNodesConnectionMap().values();
                    default -> List.of();
                };
        PoolStats busiest = new PoolStats(0, 0, settings.poolSize());
        for (var pool : pools) {
            if (pool.getNumActive() >= busiest.active())
                busiest = new PoolStats(pool.getNumActive(), pool.getNumIdle(), settings.poolSize());
        }
        return busiest;
    }

    /**
     * One INFO section of every server this client reaches, by address: the server, the
     * Sentinel's current master, or every Cluster master that answers.
     */
    Map<String, String> infoEveryNode(String section) {
        Map<String, String> out = new java.util.TreeMap<>();
        everyNode(Protocol.Command.INFO, section)
                .forEach((node, reply) -> out.put(
                        node,
                        reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply)));
        return out;
    }

    /** Sends one command to every server this client reaches (see {@link #infoEveryNode}); replies by address. */
    Map<String, Object> everyNode(Protocol.Command command, String... args) {
        if (jedis instanceof RedisClusterClient cluster) {
            Map<String, Object> out = new java.util.TreeMap<>();
            JedisException last = null;
            for (Map.Entry<String, ConnectionPool> node :
                    cluster.getClusterNodes().entrySet()) {
                try (Connection connection = node.getValue().getResource()) {
                    out.put(node.getKey(), connection.executeCommand(new CommandArguments(command).addObjects((Object[])
                                    args)));
                } catch (JedisException e) {
                    last = e; // a node that is down is not asked; the cluster reports it
                }
            }
            if (out.isEmpty() && last != null) throw translate(last);
            return out;
        }
        String address = jedis instanceof RedisSentinelClient sentinel
                ? String.valueOf(sentinel.getCurrentMaster())
                : settings.host() + ":" + settings.port();
        return Map.of(address, call(j -> j.sendCommand(command, args)));
    }

    /** Memory used and the maxmemory limit (0: none) of the fullest server (by ratio, among Cluster masters). */
    public record Memory(long used, long max) {}

    public Memory memory() {
        Memory fullest = null;
        for (String text : infoEveryNode("memory").values()) {
            String used = field(text, "used_memory");
            String max = field(text, "maxmemory");
            if (used == null) continue;
            Memory m = new Memory(Long.parseLong(used), max == null ? 0 : Long.parseLong(max));
            if (fullest == null || ratio(m) > ratio(fullest)) fullest = m;
        }
        return fullest == null ? new Memory(0, 0) : fullest;
    }

    private static double ratio(Memory m) {
        return m.max() == 0 ? m.used() / 1e18 : (double) m.used() / m.max();
    }

    /** One field of INFO, e.g. {@code info("memory", "used_memory")}; null when absent. On Cluster: of any one node. */
    public String info(String section, String field) {
        return field(call(j -> j.info(section)), field);
    }

    static String field(String info, String field) {
        for (String line : info.split("\r?\n")) {
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

    /** The startup checks, on every server this client reaches (see {@link ServerCheck}). */
    void checkServer() {
        ServerCheck.run(this);
    }

    /** The error code of a Redis error message, unwrapping one raised inside a script. */
    private static String errorCode(String message) {
        // Redis 6.2 wraps an error raised inside a script: "ERR Error running script (call to f_..):
        // @user_script:49: @user_script: 49: -OOM command not allowed ..."; 7.x keeps the code first
        int inner = message.indexOf(": -");
        return message.startsWith("ERR Error running script") && inner >= 0 ? message.substring(inner + 3) : message;
    }

    RuntimeException translate(JedisException e) {
        if (e instanceof JedisConnectionException
                || e instanceof JedisClusterOperationException
                || e instanceof redis.clients.jedis.exceptions.JedisBroadcastException) {
            // a command sent to every Cluster master (SCRIPT LOAD) fails when one of them is down
            // the Cluster client gives up with JedisClusterOperationException after its retries
            return new RedisUnavailableException(
                    "Redis at " + settings.address() + " is unreachable: " + e.getMessage(), e);
        }
        String message = String.valueOf(e.getMessage());
        if (e instanceof JedisDataException) {
            String code = errorCode(message);
            if (code.startsWith("OOM")) return new RedisOutOfMemoryException(e);
            for (String transient_ :
                    List.of("LOADING", "BUSY", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "NOREPLICAS")) {
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
