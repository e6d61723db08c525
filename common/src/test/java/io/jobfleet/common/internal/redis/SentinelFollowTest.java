package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A client connected through Sentinel follows a failover on its own: after SENTINEL FAILOVER,
 * and after a SIGKILL of the master, the same {@link Redis} writes to the new master, with no
 * reconnect by the caller. Prints how long writes failed.
 */
@Tag("slow")
class SentinelFollowTest {

    @Test
    void clientFollowsSentinelFailoverAndMasterKill() {
        try (LocalSentinel set = LocalSentinel.start(TestRedis.binary(), 2, 3);
                Redis redis = Redis.connect(RedisSettings.fromUrl(set.url()))) {
            JobStore store = new JobStore(redis, Retention.DEFAULT);
            String before = store.enqueue(NewJob.of("f", "t", TextNode.valueOf("before")))
                    .id();

            int first = set.masterPort();
            set.failover();
            int second = set.awaitNewMaster(first, Duration.ofSeconds(60));
            awaitClientOn(redis, second);
            String afterFailover = enqueueUntilAccepted(store, "after-failover");
            assertThat(store.get("f", before)).isPresent();
            assertThat(store.get("f", afterFailover)).isPresent();
            // a second failover before the replicas have resynced with the new master can lose data
            set.awaitReplicasSynced(Duration.ofSeconds(60));

            EmbeddedRedis master = set.master();
            assertThat(master.port()).isEqualTo(second);
            master.kill();
            int third = set.awaitNewMaster(second, Duration.ofSeconds(60));
            awaitClientOn(redis, third);
            String afterKill = enqueueUntilAccepted(store, "after-kill");

            assertThat(third).isNotEqualTo(second); // may be the first master, demoted to replica by then
            assertThat(store.get("f", before)).isPresent();
            assertThat(store.get("f", afterFailover)).isPresent();
            assertThat(store.get("f", afterKill)).isPresent();
            assertThat(redis.infoEveryNode("server")).containsOnlyKeys("127.0.0.1:" + third);
        }
    }

    /**
     * Waits until the client itself has switched (it learns +switch-master from the sentinels).
     * A write sent before that may land on the old master and be lost when it is demoted: the
     * failover window that SentinelFailoverTest measures.
     */
    private static void awaitClientOn(Redis redis, int port) {
        long start = System.nanoTime();
        while (!onMaster(redis, port)) {
            if (System.nanoTime() - start > Duration.ofSeconds(30).toNanos())
                throw new AssertionError("the client never moved to the master on port " + port);
            LocalCluster.sleep(20);
        }
        System.out.printf(
                "SENTINEL client on the new master %d ms after the sentinels named it%n",
                (System.nanoTime() - start) / 1_000_000);
    }

    /** Whether the client's master is on {@code port}; a pooled connection to the dead master fails once, as callers expect. */
    private static boolean onMaster(Redis redis, int port) {
        try {
            return redis.infoEveryNode("server").containsKey("127.0.0.1:" + port);
        } catch (RedisUnavailableException e) {
            return false;
        }
    }

    private static String enqueueUntilAccepted(JobStore store, String what) {
        long start = System.nanoTime();
        int failures = 0;
        while (true) {
            try {
                String id = store.enqueue(NewJob.of("f", "t", TextNode.valueOf(what)))
                        .id();
                System.out.printf(
                        "SENTINEL %s: accepted after %d failed tries, %d ms%n",
                        what, failures, (System.nanoTime() - start) / 1_000_000);
                return id;
            } catch (RedisUnavailableException e) {
                failures++;
                if (System.nanoTime() - start > Duration.ofSeconds(60).toNanos()) throw e;
                LocalCluster.sleep(100);
            }
        }
    }
}
