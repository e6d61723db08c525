package io.jobfleet.worker.faults;

import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.LocalSentinel;
import io.jobfleet.common.internal.redis.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Failovers of a Sentinel set (1 master, 2 replicas, 3 sentinels) under load: workers and
 * producers must follow the new master on their own. Replication is asynchronous, so
 * acknowledged enqueues the new master had not received are lost: the test prints how many and
 * asserts only that they came from the failover window; nothing may be stuck, run unasked, or
 * split over two jobs.
 */
@Tag("slow")
class SentinelFailoverTest extends TopologyFaultTestBase {
    private static final String Q = "sentinel-failover";
    private LocalSentinel sentinel;

    @Override
    protected String startTopology() {
        sentinel = LocalSentinel.start(TestRedis.binary(), 2, 3);
        return sentinel.url();
    }

    @Override
    protected void stopTopology() {
        if (sentinel != null) sentinel.close();
    }

    @Test
    void sentinelFailoverMidLoad() {
        Window w = failoverRun("SENTINEL FAILOVER", Q, () -> {
            int old = sentinel.masterPort();
            sentinel.failover();
            sentinel.awaitNewMaster(old, Duration.ofSeconds(60));
        });
        assertSafeButForTheWindow(w);
    }

    /**
     * The same failover with {@code min-replicas-to-write 2} on every server: once the promoted
     * replica has left the old master, the old master refuses writes (NOREPLICAS, retried by
     * jobfleet until it reaches the new master) instead of acknowledging writes the new master
     * will never see. It narrows the window to the moment of the switch, it does not close it:
     * writes the old master took in the same instant the replica left can still be lost (0 and 2
     * jobs in two runs, against 88-98 without the setting). The test prints the figure and holds
     * the same promise as the plain failover. The mechanism needs a server that applies the
     * setting to scripts (every jobfleet write is one): the embedded 6.2.11, on which bin/test
     * runs this suite, and 7.0.15 do (MinReplicasTest); servers before the fix may not
     * (redis/redis#9993), and there this test's figure would not come from NOREPLICAS.
     */
    @Test
    void sentinelFailoverWithMinReplicasToWrite() {
        for (EmbeddedRedis server : sentinel.servers()) {
            try (var jedis = new redis.clients.jedis.Jedis("127.0.0.1", server.port())) {
                jedis.configSet("min-replicas-to-write", "2");
                jedis.configSet("min-replicas-max-lag", "10");
            }
        }
        Window w = failoverRun("SENTINEL FAILOVER, min-replicas-to-write 2", Q, () -> {
            int old = sentinel.masterPort();
            sentinel.failover();
            sentinel.awaitNewMaster(old, Duration.ofSeconds(60));
        });
        assertSafeButForTheWindow(w);
    }

    @Test
    void sigkillOfTheMasterMidLoad() {
        Window w = failoverRun("Sentinel master SIGKILL", Q, () -> {
            EmbeddedRedis master = sentinel.master();
            master.kill();
            sentinel.awaitNewMaster(master.port(), Duration.ofSeconds(60));
        });
        assertSafeButForTheWindow(w);
    }
}
