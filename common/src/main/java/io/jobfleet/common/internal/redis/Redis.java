package io.jobfleet.common.internal.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.ScanIteration;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.args.ListDirection;

/**
 * The connection the rest of jobfleet holds: a pooled client to one server, a Sentinel set or a
 * Cluster ({@link Connector} builds it), with every call going through {@link CallEdge} (retries,
 * scripts, the translation of Jedis errors into jobfleet's exceptions) and server facts from
 * {@link ServerInfo}. It also owns the queues' partition layout, shared by every store on it.
 * Nothing outside this package sees a Jedis type. Thread-safe.
 */
public final class Redis implements AutoCloseable {
    /** Blocking waits (BLMOVE) last at most this long; the socket allows a little more. */
    public static final Duration MAX_BLOCK = Duration.ofSeconds(2);

    private final UnifiedJedis jedis;
    private final RedisSettings settings;
    private final CallEdge edge;
    private final ServerInfo server;
    private final Partitions partitions;

    private Redis(UnifiedJedis jedis, RedisSettings settings) {
        this.jedis = jedis;
        this.settings = settings;
        this.edge = new CallEdge(jedis, settings);
        this.server = new ServerInfo(jedis, settings, edge);
        this.partitions = new Partitions(this);
    }

    /**
     * Connects and checks the server: it answers, it is Redis 6.2 or newer, its
     * maxmemory-policy is noeviction (any other policy can silently delete queue state), and its
     * key layout is one this build serves ({@link SchemaVersion}).
     */
    public static Redis connect(RedisSettings settings) {
        Redis redis = open(settings);
        try {
            ServerCheck.run(redis);
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
     * first, and throws {@link io.jobfleet.common.error.RedisUnavailableException} when none answers.
     */
    public static Redis open(RedisSettings settings) {
        return new Redis(Connector.open(settings), settings);
    }

    /** Round trips to Redis made by this process so far (a pipeline is one): what jobfleet bench divides by jobs. */
    public static long roundTrips() {
        return CallEdge.roundTrips();
    }

    public RedisSettings settings() {
        return settings;
    }

    /** The partition layout of the fleet's queues, one per connection, shared by its stores. */
    public Partitions partitions() {
        return partitions;
    }

    /** The call edge: retries and error translation (tests reach {@link CallEdge#translate} through it). */
    CallEdge edge() {
        return edge;
    }

    /** Runs one command through the {@link CallEdge}. Use only inside this package. */
    <T> T call(Function<UnifiedJedis, T> command) {
        return edge.call(command);
    }

    /** Runs a script by its SHA-1 (see {@link CallEdge#run}). */
    Object run(Script script, List<String> keys, List<String> args) {
        script.check(keys);
        return edge.run(script, keys, args);
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
                List<Response<List<String>>> replies = new ArrayList<>(keys.size());
                for (String key : keys) replies.add(pipeline.hmget(key, fields));
                pipeline.sync();
                return replies.stream().map(Response::get).toList();
            }
        });
    }

    /** One command per item ({@code command} queues it) in one pipelined round trip; the keys must share a slot on Cluster. */
    <E, T> List<T> pipelined(List<E> items, BiFunction<AbstractPipeline, E, Response<T>> command) {
        if (items.isEmpty()) return List.of();
        return call(j -> {
            try (AbstractPipeline pipeline = j.pipelined()) {
                List<Response<T>> replies = new ArrayList<>(items.size());
                for (E item : items) replies.add(command.apply(pipeline, item));
                pipeline.sync();
                return replies.stream().map(Response::get).toList();
            }
        });
    }

    /** HGETALL of many hashes in one pipelined round trip. */
    List<Map<String, String>> hgetAllMany(List<String> keys) {
        return call(j -> {
            try (AbstractPipeline pipeline = j.pipelined()) {
                List<Response<Map<String, String>>> replies = new ArrayList<>(keys.size());
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
            Set<String> keys = new LinkedHashSet<>();
            ScanIteration scan = j.scanIteration(1000, pattern);
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
        return server.poolStats();
    }

    /** Memory used and the maxmemory limit (0: none) of the fullest server (by ratio, among Cluster masters). */
    public record Memory(long used, long max) {}

    public Memory memory() {
        return server.memory();
    }

    /** One field of INFO, e.g. {@code info("memory", "used_memory")}; null when absent. On Cluster: of any one node. */
    public String info(String section, String field) {
        return server.info(section, field);
    }

    /** The Redis server's clock, in epoch milliseconds: the clock leases and due times use. */
    public long serverTimeMs() {
        return server.serverTimeMs();
    }

    /** One INFO section of every server this client reaches, by address (see {@link ServerInfo#infoEveryNode}). */
    Map<String, String> infoEveryNode(String section) {
        return server.infoEveryNode(section);
    }

    /** Sends one command to every server this client reaches; replies by address. */
    Map<String, Object> everyNode(Protocol.Command command, String... args) {
        return server.everyNode(command, args);
    }

    @Override
    public void close() {
        jedis.close();
    }
}
