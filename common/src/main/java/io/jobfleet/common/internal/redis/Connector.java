package io.jobfleet.common.internal.redis;

import io.jobfleet.common.error.RedisUnavailableException;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Builds the pooled Jedis client for one server, a Sentinel set or a Cluster from
 * {@link RedisSettings}: timeouts, credentials, TLS and the pool. Used once per {@link Redis}.
 */
final class Connector {
    private Connector() {}

    /**
     * Opens the pool. For one server this does not touch it; a Sentinel or Cluster client asks the
     * sentinels or a seed node for the topology first, and throws {@link RedisUnavailableException}
     * when none answers.
     */
    static UnifiedJedis open(RedisSettings settings) {
        DefaultJedisClientConfig config = clientConfig(settings);
        GenericObjectPoolConfig<Connection> pool = poolConfig(settings);
        Set<HostAndPort> nodes = new LinkedHashSet<>();
        for (RedisSettings.Node node : settings.nodes()) nodes.add(new HostAndPort(node.host(), node.port()));
        try {
            return switch (settings.topology()) {
                case SINGLE ->
                    RedisClient.builder()
                            .hostAndPort(nodes.iterator().next())
                            .clientConfig(config)
                            .poolConfig(pool)
                            .build();
                // the client subscribes to +switch-master on the sentinels and moves its pool to the new master
                case SENTINEL ->
                    RedisSentinelClient.builder()
                            .masterName(settings.masterName())
                            .sentinels(nodes)
                            .clientConfig(config)
                            .sentinelClientConfig(sentinelConfig(settings))
                            .poolConfig(pool)
                            .build();
                // MOVED and ASK are followed by the client; connection errors are retried by it too
                case CLUSTER ->
                    RedisClusterClient.builder()
                            .nodes(nodes)
                            .clientConfig(config)
                            .poolConfig(pool)
                            .maxAttempts(5)
                            .maxTotalRetriesDuration(settings.socketTimeout().plus(Redis.MAX_BLOCK))
                            .build();
            };
        } catch (JedisException e) {
            throw new RedisUnavailableException(
                    "Redis at " + settings.address() + " is unreachable: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("deprecation") // ssl(true): the JDK's default trust store, as rediss:// promises; no TLS test yet
    private static DefaultJedisClientConfig clientConfig(RedisSettings settings) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) settings.connectTimeout().toMillis())
                .socketTimeoutMillis((int) settings.socketTimeout().toMillis())
                .blockingSocketTimeoutMillis((int)
                        (Redis.MAX_BLOCK.toMillis() + settings.socketTimeout().toMillis()))
                .database(settings.database())
                .ssl(settings.tls())
                .clientName(settings.clientName());
        if (settings.user() != null) config.user(settings.user());
        if (settings.password() != null) config.password(settings.password());
        return config.build();
    }

    /** The sentinels are asked without the data nodes' credentials or database. */
    @SuppressWarnings("deprecation") // as in clientConfig
    private static DefaultJedisClientConfig sentinelConfig(RedisSettings settings) {
        return DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) settings.connectTimeout().toMillis())
                .socketTimeoutMillis((int) settings.socketTimeout().toMillis())
                .ssl(settings.tls())
                .clientName(settings.clientName())
                .build();
    }

    private static GenericObjectPoolConfig<Connection> poolConfig(RedisSettings settings) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(settings.poolSize());
        pool.setMaxIdle(settings.poolSize());
        pool.setMinIdle(0);
        pool.setMaxWait(settings.socketTimeout().plus(Redis.MAX_BLOCK));
        pool.setTestWhileIdle(true);
        pool.setJmxEnabled(false);
        return pool;
    }
}
