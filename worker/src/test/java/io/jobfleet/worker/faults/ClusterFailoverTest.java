package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.LocalCluster;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.worker.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CLUSTER FAILOVER, under load, on the replica of the master that serves the queue's slot, in a
 * 3-master, 3-replica Cluster. A manual failover is coordinated (the master stops writes until
 * its replica has caught up), so nothing acknowledged may be lost; the clients follow MOVED to
 * the new master. Then the unplanned kind: SIGKILL of that master.
 */
@Tag("slow")
class ClusterFailoverTest extends TopologyFaultTestBase {
    private static final String Q = "cluster-failover";
    private LocalCluster cluster;

    @Override
    protected String startTopology() {
        cluster = LocalCluster.start(TestRedis.binary(), 3, 1);
        return cluster.url();
    }

    @Override
    protected void stopTopology() {
        if (cluster != null) cluster.close();
    }

    @Test
    void clusterFailoverOnAReplicaMidLoad() {
        EmbeddedRedis[] promoted = new EmbeddedRedis[1];
        Window w = failoverRun("CLUSTER FAILOVER", Q, () -> {
            EmbeddedRedis master = cluster.masterOf(Keys.of(Q).pending());
            EmbeddedRedis replica = cluster.replicaOf(master);
            assertThat(replica).as("a replica of the queue's master").isNotNull();
            cluster.failover(replica);
            Await.until(
                    Duration.ofSeconds(30),
                    "the replica to take over the queue's slot",
                    () -> cluster.masterOf(Keys.of(Q).pending()).port() == replica.port());
            promoted[0] = replica;
        });
        assertThat(promoted[0]).isNotNull();
        assertSafe(w.report());
    }

    /**
     * An unplanned failover: SIGKILL of the queue's master. Its replica takes over after the node
     * timeout; until then the slot (and, with full coverage required, the whole cluster) refuses
     * commands with CLUSTERDOWN. Writes the replica had not received are lost: printed, and
     * allowed only from the failover window.
     */
    @Test
    void sigkillOfTheQueuesMasterMidLoad() {
        Window w = failoverRun("Cluster master SIGKILL", Q, () -> {
            EmbeddedRedis master = cluster.masterOf(Keys.of(Q).pending());
            EmbeddedRedis replica = cluster.replicaOf(master);
            assertThat(replica).as("a replica of the queue's master").isNotNull();
            master.kill();
            Await.until(Duration.ofSeconds(60), "the replica to take over the queue's slot", () -> {
                try {
                    return cluster.masterOf(Keys.of(Q).pending()).port() == replica.port();
                } catch (IllegalStateException e) {
                    return false; // the slot has no master until the replica is elected
                }
            });
            cluster.awaitHealthy(Duration.ofSeconds(60));
        });
        assertSafeButForTheWindow(w);
    }
}
