package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.redis.Partitions;
import io.jobfleet.common.job.JobState;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker on a partitioned queue: {@code --queues orders} covers every partition, claims take
 * the partitions in turn, an idle worker blocks on each partition (no polling), and a changed
 * partition count is picked up while the worker runs.
 */
class PartitionedQueueTest extends WorkerTestBase {
    private static final String QUEUE = "orders";

    @BeforeEach
    void freshLayout() {
        Partitions.of(redis).refresh();
    }

    private String partitionOf(String id) {
        return job(QUEUE, id).queue();
    }

    private long blockedClients() {
        return Long.parseLong(redis.info("clients", "blocked_clients"));
    }

    @Test
    void claimsAreFairAcrossPartitionsAndEveryPartitionDrains() {
        Partitions.of(redis).declare(QUEUE, 4);
        List<String> ids = enqueueMany(QUEUE, "record", ms(5), 400); // round robin: 100 per partition
        Map<String, String> home = new HashMap<>();
        for (String id : ids) home.put(id, partitionOf(id));
        startWorker(config("w", QUEUE).concurrency(4).build(), TestHandlers.standard(redis, "w"));

        Await.until(
                Duration.ofSeconds(60),
                "100 jobs to start",
                () -> Executions.starts(redis).size() >= 100);
        Map<String, Long> early = new TreeMap<>();
        for (Executions.Execution e : Executions.starts(redis).subList(0, 100)) {
            early.merge(home.get(e.jobId()), 1L, Long::sum);
        }
        System.out.println("PartitionedQueueTest: first 100 starts by partition: " + early);
        assertThat(early).as("every partition is served from the start").hasSize(4);
        assertThat(early.values())
                .as("no partition is favoured (25 each expected)")
                .allMatch(n -> n >= 15);

        Await.until(Duration.ofSeconds(90), "every partition to drain", () -> settled(QUEUE));
        assertThat(ids).allSatisfy(id -> assertThat(job(QUEUE, id).state()).isEqualTo(JobState.SUCCEEDED));
        assertThat(queues.stats(QUEUE)).containsEntry("succeeded", "400");
    }

    @Test
    void anIdleWorkerBlocksOnEveryPartitionAndWakesForAnyOfThem() {
        Partitions.of(redis).declare(QUEUE, 3);
        startWorker(config("w", QUEUE).build(), TestHandlers.standard(redis, "w"));
        Await.until(Duration.ofSeconds(20), "a blocked waiter per partition", () -> blockedClients() == 3);

        java.util.Set<String> homes = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) { // round robin: one job per partition
            homes.add(partitionOf(enqueueMany(QUEUE, "record", ms(1), 1).get(0)));
        }
        assertThat(homes).containsExactlyInAnyOrder(QUEUE, QUEUE + "~1", QUEUE + "~2");
        Await.until(Duration.ofSeconds(20), "the three jobs to finish", () -> settled(QUEUE));
        assertThat(queues.stats(QUEUE)).containsEntry("succeeded", "3");
        Await.until(Duration.ofSeconds(20), "the waiters to block again", () -> blockedClients() == 3);
    }

    @Test
    void aPartitionCountChangeIsPickedUpWhileRunning() {
        startWorker(config("w", QUEUE).build(), TestHandlers.standard(redis, "w"));
        Await.until(Duration.ofSeconds(20), "the one waiter to block", () -> blockedClients() == 1);

        Partitions.of(redis).declare(QUEUE, 5);
        Await.until(Duration.ofSeconds(20), "a waiter on each of 5 partitions", () -> blockedClients() == 5);
        List<String> ids = enqueueMany(QUEUE, "record", ms(1), 50);
        Map<String, Long> spread = new TreeMap<>();
        for (String id : ids) spread.merge(partitionOf(id), 1L, Long::sum);
        assertThat(spread.keySet())
                .containsExactlyInAnyOrder(QUEUE, QUEUE + "~1", QUEUE + "~2", QUEUE + "~3", QUEUE + "~4");
        Await.until(Duration.ofSeconds(30), "the new partitions to drain", () -> settled(QUEUE));
        assertThat(queues.stats(QUEUE)).containsEntry("succeeded", "50");

        Partitions.of(redis).declare(QUEUE, 2); // all empty: the shrink is allowed, and the extra waiters stop
        Await.until(Duration.ofSeconds(20), "waiters on only 2 partitions", () -> blockedClients() == 2);
        // the documented limit: a finished job of a dropped partition is no longer found by queue name
        // (its record expires with the finished-job retention); its partition's own name still finds it
        String inDropped = ids.stream()
                .filter(id -> store.get(QUEUE, id).isEmpty())
                .findFirst()
                .orElseThrow();
        long foundByPartition = java.util.stream.IntStream.range(2, 5)
                .filter(k -> store.get(Names.partition(QUEUE, k), inDropped).isPresent())
                .count();
        assertThat(foundByPartition).isEqualTo(1);
    }
}
