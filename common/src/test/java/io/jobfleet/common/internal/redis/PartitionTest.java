package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.error.IdempotencyConflictException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.QueueCounts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Partitioned queues in the engine, against a real Redis: where enqueue puts jobs (round robin,
 * or by idempotency key), idempotency per key across partitions, lookup and cancel by queue name,
 * counts, stats, pause and the DLQ seen as one queue, and the rules for declaring a count.
 */
class PartitionTest extends RealRedisTest {
    private Partitions partitions;

    @BeforeEach
    void freshLayout() {
        partitions = Partitions.of(redis);
        partitions.refresh(); // the flush emptied the hash; forget what an earlier test declared
    }

    private long pending(String physical) {
        return TestRedis.raw(redis, j -> j.llen(Keys.of(physical).pending()));
    }

    private List<Long> pendingByPartition(String queue, int n) {
        List<Long> out = new ArrayList<>();
        for (int k = 0; k < n; k++) out.add(pending(Names.partition(queue, k)));
        return out;
    }

    @Test
    void roundRobinSpreadsUnkeyedJobsEvenly() {
        partitions.declare(Q, 4);
        for (int i = 0; i < 40; i++) enqueue(i);
        store.enqueue(IntStream.range(0, 20).mapToObj(RealRedisTest::job).toList(), 0); // a batch too
        System.out.println("round robin, 60 jobs over 4 partitions: " + pendingByPartition(Q, 4));
        assertThat(pendingByPartition(Q, 4)).containsExactly(15L, 15L, 15L, 15L);
        assertThat(queues.depth(Q)).isEqualTo(60);
    }

    @Test
    void aKeyAlwaysLandsInOnePartitionAndKeysSpreadOverAll() {
        partitions.declare(Q, 4);
        Map<String, String> home = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            String key = "key-" + i;
            String id = store.enqueue(job(i).withIdempotencyKey(key)).id();
            home.put(key, store.get(Q, id).orElseThrow().queue());
            assertThat(home.get(key)).isEqualTo(partitions.pick(Q, key, null).name()); // deterministic
        }
        Map<String, Long> perPartition = new HashMap<>();
        home.values().forEach(p -> perPartition.merge(p, 1L, Long::sum));
        System.out.println("200 keys over 4 partitions: " + perPartition);
        assertThat(perPartition).hasSize(4);
        assertThat(perPartition.values()).allMatch(c -> c >= 25); // 50 expected each; CRC32 spreads well
    }

    @Test
    void idempotencyHoldsPerKeyAcrossPartitions() {
        partitions.declare(Q, 8);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            EnqueueResult first = store.enqueue(job(i).withIdempotencyKey("k" + i));
            EnqueueResult again = store.enqueue(job(i).withIdempotencyKey("k" + i));
            assertThat(first.status()).isEqualTo(EnqueueResult.Status.CREATED);
            assertThat(again.status()).isEqualTo(EnqueueResult.Status.REPLAYED);
            assertThat(again.id()).isEqualTo(first.id());
            ids.add(first.id());
            int n = i;
            assertThatThrownBy(() -> store.enqueue(job(n + 1000).withIdempotencyKey("k" + n)))
                    .isInstanceOf(IdempotencyConflictException.class);
        }
        // a batch mixing keys of many partitions replays each in its own partition, in order
        List<NewJob> batch = new ArrayList<>();
        for (int i = 0; i < 30; i++) batch.add(job(i).withIdempotencyKey("k" + i));
        batch.add(job(99).withIdempotencyKey("new"));
        List<EnqueueResult> results = store.enqueue(batch, 0);
        for (int i = 0; i < 30; i++) assertThat(results.get(i).status()).isEqualTo(EnqueueResult.Status.REPLAYED);
        assertThat(results.get(30).status()).isEqualTo(EnqueueResult.Status.CREATED);
        assertThat(queues.depth(Q)).isEqualTo(31);
        assertThat(ids).hasSize(30);
    }

    @Test
    void jobsAreFoundAndCancelledByQueueName() {
        partitions.declare(Q, 3);
        List<String> ids = IntStream.range(0, 6).mapToObj(this::enqueue).toList();
        for (String id : ids) {
            assertThat(store.get(Q, id)).isPresent();
            assertThat(Names.logical(store.get(Q, id).orElseThrow().queue())).isEqualTo(Q);
        }
        assertThat(store.get(Q, "00000000000000000000")).isEmpty();
        assertThat(store.cancel(Q, ids.get(4))).isEqualTo(JobState.QUEUED);
        assertThat(store.get(Q, ids.get(4)).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
        assertThat(queues.depth(Q)).isEqualTo(5);
        assertThat(queues.stats(Q)).containsEntry("cancelled", "1");
    }

    @Test
    void countsStatsAndPauseCoverEveryPartition() {
        partitions.declare(Q, 3);
        for (int i = 0; i < 9; i++) enqueue(i);
        List<ClaimedJob> claimed = new ArrayList<>();
        for (String physical : queues.physical(Q))
            claimed.addAll(
                    leases.claim(Partition.parse(physical), 2, LONG_LEASE, "w").jobs());
        assertThat(claimed).hasSize(6);
        for (ClaimedJob job : claimed.subList(0, 3))
            leases.ack(Partition.parse(job.queue()), List.of(new Leases.Ack(job.id(), job.token(), null)));
        leases.fail(claimed.get(3), error(1, "boom"), -1, 5, "dead");
        leases.fail(claimed.get(4), error(1, "boom"), -1, 5, "dead");
        QueueCounts c = queues.counts(Q);
        assertThat(c.pending()).isEqualTo(3);
        assertThat(c.active()).isEqualTo(1);
        assertThat(c.dead()).isEqualTo(2);
        List<QueueCounts> parts = queues.countsByPartition(Q);
        assertThat(parts).extracting(QueueCounts::queue).containsExactly(Q, Q + "~1", Q + "~2");
        assertThat(parts.stream().mapToLong(QueueCounts::pending).sum()).isEqualTo(3);
        assertThat(parts).allMatch(p -> p.pending() == 1);
        assertThat(queues.stats(Q)).containsEntry("succeeded", "3").containsEntry("dead", "2");
        assertThat(queues.perMinute(Q, 2).get(1)).containsEntry("succeeded", 3L);

        queues.pause(Q);
        for (String physical : queues.physical(Q))
            assertThat(leases.claim(Partition.parse(physical), 5, LONG_LEASE, "w")
                            .paused())
                    .isTrue();
        partitions.declare(Q, 4); // a new partition of a paused queue starts paused
        assertThat(leases.claim(Partition.parse(Q + "~3"), 5, LONG_LEASE, "w").paused())
                .isTrue();
        queues.resume(Q);
        assertThat(queues.counts(Q).paused()).isFalse();
    }

    @Test
    void deadLetterCommandsSeeOneQueue() {
        partitions.declare(Q, 3);
        for (int i = 0; i < 9; i++) enqueue(i);
        List<String> dead = new ArrayList<>();
        for (String physical : queues.physical(Q)) {
            for (ClaimedJob job :
                    leases.claim(Partition.parse(physical), 10, LONG_LEASE, "w").jobs()) {
                leases.fail(job, error(1, "boom " + job.id()), -1, 5, "dead");
                dead.add(job.id());
            }
        }
        DeadLetters letters = new DeadLetters(redis);
        assertThat(letters.count(Q)).isEqualTo(9);
        DeadLetters.Page first = letters.list(Q, DeadLetters.Filter.ALL, 0, 4);
        DeadLetters.Page second = letters.list(Q, DeadLetters.Filter.ALL, first.next(), 10);
        List<String> listed = new ArrayList<>();
        first.jobs().forEach(j -> listed.add(j.id()));
        second.jobs().forEach(j -> listed.add(j.id()));
        assertThat(listed).containsExactlyInAnyOrderElementsOf(dead);
        List<String> walked = new ArrayList<>();
        letters.forEach(Q, DeadLetters.Filter.ALL, 2, page -> page.forEach(j -> walked.add(j.id())));
        assertThat(walked).containsExactlyInAnyOrderElementsOf(dead);
        List<String> byIds = new ArrayList<>();
        for (long offset = 0; ; offset += 2) {
            List<String> page = letters.ids(Q, offset, 2);
            if (page.isEmpty()) break;
            byIds.addAll(page);
        }
        assertThat(byIds).containsExactlyInAnyOrderElementsOf(dead);
        assertThat(letters.records(Q, dead)).hasSize(9);

        assertThat(queues.requeue(Q, dead.subList(0, 5), false)).isEqualTo(5);
        assertThat(queues.depth(Q)).isEqualTo(5);
        assertThat(queues.purge(Q, dead.subList(5, 9))).isEqualTo(4);
        assertThat(letters.count(Q)).isZero();
        assertThat(queues.stats(Q)).containsEntry("purged", "4");
    }

    @Test
    void growingIsFreeShrinkingIsRefusedWhileDroppedPartitionsHoldJobs() {
        assertThat(partitions.declare(Q, 2)).isEqualTo(1);
        for (int i = 0; i < 4; i++) enqueue(i);
        assertThat(partitions.declare(Q, 4)).isEqualTo(2); // grow: jobs stay where they are
        assertThat(pendingByPartition(Q, 4)).containsExactly(2L, 2L, 0L, 0L);
        assertThat(partitions.declare(Q, 2)).isEqualTo(4); // partitions 2, 3 are empty: allowed
        assertThatThrownBy(() -> partitions.declare(Q, 1))
                .isInstanceOf(Partitions.RefusedException.class)
                .hasMessageContaining("q1~1 (2 jobs)");
        assertThat(partitions.count(Q)).isEqualTo(2);
        assertThatThrownBy(() -> partitions.declare(Q, 65)).isInstanceOf(Partitions.RefusedException.class);
        assertThatThrownBy(() -> partitions.declare(Q, 0)).isInstanceOf(Partitions.RefusedException.class);
        for (ClaimedJob job :
                leases.claim(Partition.parse(Q + "~1"), 5, LONG_LEASE, "w").jobs())
            leases.ack(Partition.parse(job.queue()), List.of(new Leases.Ack(job.id(), job.token(), null)));
        assertThat(partitions.declare(Q, 1)).isEqualTo(2);
        assertThat((boolean) TestRedis.raw(redis, j -> j.hexists(Keys.partitions(), Q)))
                .isFalse();
        assertThat(queues.physical(Q)).containsExactly(Q);
    }

    @Test
    void usersCannotNameAPartitionButKeysCan() {
        assertThatThrownBy(() -> Names.checkQueue("q~1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NewJob.of("q~1", "t", payload(1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(Keys.of("q~1").pending()).isEqualTo("jobfleet:{q~1}:pending");
        assertThatThrownBy(() -> Keys.of("q~64")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keys.of("q~0")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Names.logical("q~12")).isEqualTo("q");
        assertThat(Names.partitionOf("q~12")).isEqualTo(12);
        assertThat(queues.queues()).isEmpty();
        partitions.declare(Q, 3);
        enqueue(1);
        enqueue(2);
        assertThat(queues.queues()).containsExactly(Q); // the fleet's queue list names queues, not partitions
    }

    @Test
    void theDepthLimitIsSharedOutOverPartitions() {
        partitions.declare(Q, 2);
        store.enqueue(IntStream.range(0, 4).mapToObj(RealRedisTest::job).toList(), 4); // 2 + 2: each at its share
        assertThatThrownBy(() -> store.enqueue(List.of(job(5)), 4))
                .isInstanceOf(io.jobfleet.common.error.QueueFullException.class);
        assertThat(queues.depth(Q)).isEqualTo(4);
    }

    @Test
    void gaugesExportTheSumAndEachPartition() {
        partitions.declare(Q, 3);
        for (int i = 0; i < 7; i++) enqueue(i);
        var registry = new io.prometheus.metrics.model.registry.PrometheusRegistry();
        try (var gauges = new io.jobfleet.common.internal.metrics.QueueGauges(registry, redis, () -> List.of(Q))) {
            gauges.refresh();
            Map<String, Double> values = new HashMap<>();
            for (var snapshot : registry.scrape()) {
                for (var point : snapshot.getDataPoints()) {
                    if (point instanceof io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot g) {
                        values.put(snapshot.getMetadata().getPrometheusName() + point.getLabels(), g.getValue());
                    }
                }
            }
            System.out.println("gauges: " + values);
            double pendingSum = values.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("jobfleet_queue_partition_pending"))
                    .mapToDouble(Map.Entry::getValue)
                    .sum();
            assertThat(pendingSum).isEqualTo(7.0);
            assertThat(values.keySet().stream().filter(k -> k.startsWith("jobfleet_queue_partition_pending")))
                    .hasSize(3);
            assertThat(values.entrySet().stream()
                            .filter(e -> e.getKey().startsWith("jobfleet_queue_depth")
                                    && e.getKey().contains("pending"))
                            .mapToDouble(Map.Entry::getValue)
                            .sum())
                    .isEqualTo(7.0);
            for (String physical : queues.physical(Q)) {
                for (ClaimedJob job : leases.claim(Partition.parse(physical), 10, LONG_LEASE, "w")
                        .jobs())
                    leases.ack(Partition.parse(job.queue()), List.of(new Leases.Ack(job.id(), job.token(), null)));
            }
            partitions.declare(Q, 1); // the partition series go away with the partitions
            gauges.refresh();
            long series = 0;
            for (var snapshot : registry.scrape()) {
                if (snapshot.getMetadata().getPrometheusName().equals("jobfleet_queue_partition_pending"))
                    series += snapshot.getDataPoints().size();
            }
            assertThat(series).isZero();
        }
    }

    @Test
    void aProducerThatMissedAShrinkIsRoutedToTheKeptPartitions() {
        partitions.declare(Q, 2);
        try (Redis producerConnection = TestRedis.connect(server)) {
            JobStore producer = new JobStore(producerConnection, retention());
            Partitions.of(producerConnection).refresh(); // the producer knows 2 partitions for the next second
            assertThat(partitions.declare(Q, 1)).isEqualTo(2); // q1~1 is retired before the count is written
            producer.enqueue(List.of(job(1)), 0); // round robin over the stale 2: one is refused by q1~1, routed again
            producer.enqueue(List.of(job(2)), 0);
        }
        assertThat(partitions.count(Q)).isEqualTo(1);
        assertThat(pending(Q + "~1")).isZero();
        assertThat(queues.depth(Q)).isEqualTo(2); // both jobs reachable
    }
}
