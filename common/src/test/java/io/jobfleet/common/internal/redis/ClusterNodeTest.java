package io.jobfleet.common.internal.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import redis.clients.jedis.Protocol;

/**
 * Tests on a real cluster node: one cluster-enabled redis-server of their own, serving all 16384
 * slots. Redis checks there that a script's KEYS share one slot (else CROSSSLOT).
 */
@Tag("single-server") // its own server: not run against Cluster or Sentinel
@RedisServerExtension.Args({"--cluster-enabled", "yes", "--cluster-node-timeout", "2000"})
abstract class ClusterNodeTest extends RealRedisTest {

    @BeforeAll
    void serveAllSlots() {
        String[] args = new String[16385];
        args[0] = "ADDSLOTS";
        for (int slot = 0; slot < 16384; slot++) args[slot + 1] = Integer.toString(slot);
        TestRedis.raw(REDIS.redis(), j -> j.sendCommand(Protocol.Command.CLUSTER, args));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!clusterInfo().contains("cluster_state:ok")) {
            if (System.nanoTime() > deadline) throw new AssertionError("cluster never became ok: " + clusterInfo());
            sleep(20);
        }
    }

    protected String clusterInfo() {
        Object reply = TestRedis.raw(REDIS.redis(), j -> j.sendCommand(Protocol.Command.CLUSTER, "INFO"));
        return new String((byte[]) reply, StandardCharsets.UTF_8);
    }
}
