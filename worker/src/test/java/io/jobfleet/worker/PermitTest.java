package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.TestHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Review H3: when one partition's claim failed after another partition's jobs were started in
 * the same round, the fetcher gave back the slots of the running jobs too, so the worker ran
 * more than its concurrency, a little more every round.
 */
@Tag("slow")
class PermitTest extends WorkerTestBase {
    private static final String Q = "permits";

    @Test
    void aPartitionWhoseClaimKeepsFailingNeverLetsTheWorkerRunMoreThanItsConcurrency() {
        queues.declarePartitions(Q, 2);
        // partition 1's pending list is a string: every claim on it fails (WRONGTYPE)
        TestRedis.raw(redis, j -> j.set(Keys.of(Q + "~1").pending(), "not a list"));
        Worker worker = startWorker(config("w", Q).concurrency(2).build(), TestHandlers.standard(redis, "w"));

        // partition 0 always has exactly one job waiting: a round that tries it first claims fewer jobs
        // than it has free slots and goes on to partition 1, whose claim then fails
        List<String> ids = new ArrayList<>();
        int most = 0;
        int key = 0;
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < until && most <= 2) {
            if (TestRedis.raw(redis, j -> j.llen(Keys.of(Q).pending())) == 0) {
                while (crc("k" + key) % 2 != 0) key++;
                ids.add(enqueue(NewJob.of(Q, "slow", ms(12_000)).withIdempotencyKey("k" + key++)));
            }
            most = Math.max(most, worker.busy());
            Await.pause(5);
        }
        assertThat(most).as("jobs held at once by a worker of concurrency 2").isLessThanOrEqualTo(2);
        // and the healthy partition is served all the same
        Await.until(Duration.ofSeconds(60), "every job of partition 0 to finish", () -> ids.stream()
                .allMatch(id -> job(Q, id).state() == JobState.SUCCEEDED));
        assertThat(worker.busy()).isZero();
    }

    /** The partition an idempotency key routes to is CRC32(key) % count (docs/partitions.md). */
    private static long crc(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
