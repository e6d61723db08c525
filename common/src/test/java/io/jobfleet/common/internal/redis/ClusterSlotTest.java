package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Guarantee 1 on a real cluster node: one cluster-enabled redis-server serving all 16384 slots.
 * Redis checks there that a script's KEYS share one slot (else CROSSSLOT), so every script run
 * here proves it declares keys of its queue's slot only.
 */
class ClusterSlotTest extends ClusterNodeTest {
    @Test
    void nodeRefusesScriptsWhoseKeysCrossSlots() {
        assertThatThrownBy(() -> TestRedis.raw(redis, j -> j.eval("return 1", List.of("{a}:x", "{b}:y"), List.of())))
                .hasMessageContaining("CROSSSLOT");
    }

    @Test
    void everyScriptRunsOnAClusterNode() {
        for (String queue : List.of("alpha", "beta")) {
            QueueRun run = new QueueRun(queue);
            run.everyScript();
        }
        assertThat(queues.queues()).containsExactly("alpha", "beta");
    }

    /** Every script of one queue, each at least once. */
    private final class QueueRun {
        final String queue;

        QueueRun(String queue) {
            this.queue = queue;
        }

        NewJob job(int n) {
            return NewJob.of(queue, "t", TextNode.valueOf("p" + n));
        }

        void everyScript() {
            store.enqueue(IntStream.range(0, 6).mapToObj(this::job).toList(), 0);
            store.enqueue(job(9).withIdempotencyKey("k").withDelay(Duration.ofMillis(20)));
            List<ClaimedJob> jobs = leases.claim(Partition.parse(queue), 5, Duration.ofMillis(300), "w")
                    .jobs();
            assertThat(jobs).hasSize(5);
            assertThat(leases.renew(
                            Partition.parse(queue),
                            Duration.ofSeconds(30),
                            Map.of(jobs.get(0).id(), jobs.get(0).token())))
                    .isEmpty();
            assertThat(leases.progress(jobs.get(0), TextNode.valueOf("half"))).isTrue();
            assertThat(leases.recordStep(jobs.get(0), "s", "1")).isTrue();
            leases.ack(
                    Partition.parse(queue),
                    List.of(new Leases.Ack(jobs.get(0).id(), jobs.get(0).token(), null)));
            leases.fail(jobs.get(1), error(1, "x"), 0, 5, "dead");
            leases.fail(jobs.get(2), error(1, "x"), -1, 5, "dead");
            leases.release(jobs.get(3), Duration.ZERO);
            store.cancel(queue, jobs.get(4).id());
            awaitServerTimePast(redis.serverTimeMs() + 30);
            assertThat(leases.promote(Partition.parse(queue), 10).count()).isEqualTo(2);
            ClaimedJob expiring = leases.claim(Partition.parse(queue), 1, Duration.ofMillis(10), "w")
                    .jobs()
                    .get(0);
            awaitServerTimePast(redis.serverTimeMs() + 20);
            assertThat(leases.reap(Partition.parse(queue), 10, 5).ids()).containsExactly(expiring.id());
            assertThat(queues.requeue(queue, List.of(jobs.get(2).id()), false)).isEqualTo(1);
            leases.fail(
                    leases.claim(Partition.parse(queue), 10, Duration.ofSeconds(30), "w")
                            .jobs()
                            .get(0),
                    error(1, "x"),
                    -1,
                    1,
                    "d");
            assertThat(queues.expireDead(queue, 0, 10)
                            + queues.purge(queue, queues.deadIds(Partition.parse(queue), Long.MAX_VALUE, 0, 10)))
                    .isEqualTo(1);
            assertThat(store.get(queue, jobs.get(0).id()).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(queues.counts(queue).dead()).isZero();
        }
    }
}
