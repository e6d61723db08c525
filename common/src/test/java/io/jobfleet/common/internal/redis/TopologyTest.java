package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The Redis layer on whatever topology this run uses ({@code JOBFLEET_TEST_TOPOLOGY}): the
 * connection is of that kind, the startup checks and script loading reach every node, pool
 * metrics and memory are read, and on Cluster queues really spread over the masters.
 */
class TopologyTest extends RealRedisTest {

    @Test
    void connectionIsOfTheTopologyUnderTest() {
        RedisSettings.Topology expected =
                switch (TestRedis.topology()) {
                    case "cluster" -> RedisSettings.Topology.CLUSTER;
                    case "sentinel" -> RedisSettings.Topology.SENTINEL;
                    default -> RedisSettings.Topology.SINGLE;
                };
        assertThat(redis.settings().topology()).isEqualTo(expected);
        Map<String, String> servers = redis.infoEveryNode("server");
        System.out.println("TOPOLOGY " + TestRedis.topology() + ": " + servers.keySet());
        // on Cluster: the masters, and the replicas once the client has met them
        if (expected == RedisSettings.Topology.CLUSTER) assertThat(servers).hasSizeBetween(3, 6);
        else assertThat(servers).hasSize(1);
    }

    @Test
    void scriptsAreLoadedOnEveryNodeAndServerIsCheckedOnEveryNode() {
        TestRedis.raw(redis, j -> j.scriptFlush());
        assertThat(redis.loadScripts()).isEqualTo(Script.values().length);
        for (Object reply : redis.everyNode(Protocol.Command.SCRIPT, "EXISTS", Script.CLAIM.sha)
                .values()) {
            assertThat(reply).isEqualTo(List.of(1L));
        }
        ServerCheck.run(redis);
    }

    @Test
    void poolStatsAndMemoryAreRead() {
        enqueue(1);
        Redis.PoolStats pool = redis.poolStats();
        assertThat(pool.active()).isGreaterThanOrEqualTo(0);
        assertThat(pool.idle()).isGreaterThan(0);
        assertThat(pool.max()).isEqualTo(redis.settings().poolSize());
        assertThat(redis.memory().used()).isPositive();
    }

    @Test
    void queuesWorkWhereverTheirSlotLives() {
        List<String> names = IntStream.range(0, 12).mapToObj(i -> "spread" + i).toList();
        for (String q : names) store.enqueue(io.jobfleet.common.job.NewJob.of(q, "t", payload(1)));
        Set<String> nodes = new HashSet<>();
        for (String q : names) {
            assertThat(leases.claim(Partition.parse(q), 5, LONG_LEASE, "w").jobs())
                    .hasSize(1);
            if (redis.settings().topology() == RedisSettings.Topology.CLUSTER) {
                nodes.add(JedisClusterCRC16.getSlot(Keys.of(q).pending()) * 3 / 16384 + "");
            }
        }
        assertThat(queues.queues()).containsAll(names);
        if (redis.settings().topology() == RedisSettings.Topology.CLUSTER)
            assertThat(nodes).hasSize(3);
    }

    @Test
    void scanSeesKeysOfEverySlot() {
        List<String> names = IntStream.range(0, 20).mapToObj(i -> "scan" + i).toList();
        for (String q : names) store.enqueue(io.jobfleet.common.job.NewJob.of(q, "t", payload(1)));
        List<String> pending = redis.scanKeys(Keys.ROOT + "{scan*}:pending");
        assertThat(pending)
                .containsExactlyInAnyOrderElementsOf(
                        names.stream().map(q -> Keys.of(q).pending()).toList());
    }
}
