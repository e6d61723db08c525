package io.jobfleet.common.internal.redis;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.pool2.impl.GenericObjectPool;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * What the servers behind one client say about themselves: INFO sections and fields, memory,
 * the server clock, a command sent to every node, and the connection pools' use. On Cluster
 * "every node" is every master that answers. Thread-safe.
 */
final class ServerInfo {
    private final UnifiedJedis jedis;
    private final RedisSettings settings;
    private final CallEdge edge;

    ServerInfo(UnifiedJedis jedis, RedisSettings settings, CallEdge edge) {
        this.jedis = jedis;
        this.settings = settings;
        this.edge = edge;
    }

    /**
     * One INFO section of every server this client reaches, by address: the server, the
     * Sentinel's current master, or every Cluster master that answers.
     */
    Map<String, String> infoEveryNode(String section) {
        Map<String, String> out = new TreeMap<>();
        everyNode(Protocol.Command.INFO, section)
                .forEach((node, reply) -> out.put(
                        node,
                        reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply)));
        return out;
    }

    /** Sends one command to every server this client reaches (see {@link #infoEveryNode}); replies by address. */
    @SuppressWarnings("deprecation") // Jedis 8 keeps sendCommand for commands it has no method for (INFO x, CONFIG)
    Map<String, Object> everyNode(Protocol.Command command, String... args) {
        if (jedis instanceof RedisClusterClient cluster) {
            Map<String, Object> out = new TreeMap<>();
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
            if (out.isEmpty() && last != null) throw edge.translate(last);
            return out;
        }
        String address = jedis instanceof RedisSentinelClient sentinel
                ? String.valueOf(sentinel.getCurrentMaster())
                : settings.host() + ":" + settings.port();
        return Map.of(address, edge.call(j -> j.sendCommand(command, args)));
    }

    /** Memory used and the maxmemory limit of the fullest server (by ratio, among Cluster masters). */
    Redis.Memory memory() {
        Redis.Memory fullest = null;
        for (String text : infoEveryNode("memory").values()) {
            String used = field(text, "used_memory");
            String max = field(text, "maxmemory");
            if (used == null) continue;
            Redis.Memory m = new Redis.Memory(Long.parseLong(used), max == null ? 0 : Long.parseLong(max));
            if (fullest == null || ratio(m) > ratio(fullest)) fullest = m;
        }
        return fullest == null ? new Redis.Memory(0, 0) : fullest;
    }

    private static double ratio(Redis.Memory m) {
        return m.max() == 0 ? m.used() / 1e18 : (double) m.used() / m.max();
    }

    /** One field of INFO; null when absent. On Cluster: of any one node. */
    String info(String section, String field) {
        return field(edge.call(j -> j.info(section)), field);
    }

    /** One field of an INFO reply's text; null when absent. */
    static String field(String info, String field) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(field + ":"))
                return line.substring(field.length() + 1).trim();
        }
        return null;
    }

    /** The Redis server's clock, in epoch milliseconds. */
    @SuppressWarnings("deprecation") // as in everyNode: TIME has no method on UnifiedJedis
    long serverTimeMs() {
        List<?> time = (List<?>) edge.call(j -> j.sendCommand(Protocol.Command.TIME));
        long seconds = Long.parseLong(new String((byte[]) time.get(0), StandardCharsets.US_ASCII));
        long micros = Long.parseLong(new String((byte[]) time.get(1), StandardCharsets.US_ASCII));
        return seconds * 1000 + micros / 1000;
    }

    /** The busiest pool's use: on Cluster every node has its own pool, and the busiest runs out first. */
    Redis.PoolStats poolStats() {
        Collection<? extends GenericObjectPool<Connection>> pools =
                switch (jedis) {
                    case RedisClient client -> List.of(client.getPool());
                    case RedisClusterClient cluster -> cluster.getClusterNodes().values();
                    case RedisSentinelClient sentinel ->
                        sentinel.getPrimaryNodesConnectionMap().values();
                    default -> List.of();
                };
        Redis.PoolStats busiest = new Redis.PoolStats(0, 0, settings.poolSize());
        for (var pool : pools) {
            if (pool.getNumActive() >= busiest.active())
                busiest = new Redis.PoolStats(pool.getNumActive(), pool.getNumIdle(), settings.poolSize());
        }
        return busiest;
    }
}
