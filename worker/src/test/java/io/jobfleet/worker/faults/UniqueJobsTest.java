package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.EnqueueResult.Status;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Unique;
import io.jobfleet.common.job.Unique.Mode;
import io.jobfleet.common.job.Unique.OnConflict;
import io.jobfleet.worker.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Unique jobs (issue 14): 8 producers racing on one key create one job, the others are answered
 * with it; REFUSE refuses; ACTIVE holds while the job runs and lets go when it ends; PERIOD
 * (throttle) holds for its window whatever became of the job; DEBOUNCE runs the job once, a
 * window after the last enqueue, with the last payload.
 */
class UniqueJobsTest extends FlowTestBase {
    private static final String Q = "uniq";
    private static final int PRODUCERS = 8;
    private static final int ROUNDS = 25;

    @Test
    void eightProducersRacingOnOneKeyCreateOneJob() throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS)) {
            for (int round = 0; round < ROUNDS; round++) {
                String key = "race-" + round;
                NewJob job = job(Q, "F", key, 0).withUnique(Unique.byKey(key, Mode.ACTIVE));
                CyclicBarrier start = new CyclicBarrier(PRODUCERS);
                List<Future<EnqueueResult>> answers = new ArrayList<>();
                for (int p = 0; p < PRODUCERS; p++) {
                    answers.add(pool.submit(() -> {
                        start.await();
                        return store.enqueue(job);
                    }));
                }
                List<EnqueueResult> results = new ArrayList<>();
                for (Future<EnqueueResult> answer : answers) results.add(answer.get());
                List<EnqueueResult> created = results.stream()
                        .filter(r -> r.status() == Status.CREATED)
                        .toList();
                assertThat(created).as("round %d: %s", round, results).hasSize(1);
                assertThat(results)
                        .filteredOn(r -> r.status() != Status.CREATED)
                        .hasSize(PRODUCERS - 1)
                        .allSatisfy(r -> {
                            assertThat(r.status()).isEqualTo(Status.DUPLICATE);
                            assertThat(r.id()).isEqualTo(created.get(0).id());
                        });
                String holder = TestRedis.raw(redis, j -> j.get(Keys.of(Q).unique(key)));
                assertThat(holder).isEqualTo(created.get(0).id());
            }
        }
        assertThat(new QueueStore(redis).counts(Q).pending()).isEqualTo(ROUNDS);
    }

    @Test
    void refuseAnswersRefusedWithTheHolder() {
        Unique rule = Unique.byKey("refuse", Mode.ACTIVE).withOnConflict(OnConflict.REFUSE);
        EnqueueResult first = store.enqueue(job(Q, "F", "first", 0).withUnique(rule));
        EnqueueResult second = store.enqueue(job(Q, "F", "second", 0).withUnique(rule));
        assertThat(first.status()).isEqualTo(Status.CREATED);
        assertThat(second.status()).isEqualTo(Status.REFUSED);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(new QueueStore(redis).counts(Q).pending()).isEqualTo(1);
    }

    @Test
    void activeHoldsWhileTheJobRunsAndLetsGoWhenItEnds() {
        launchFlow("w1", "--queues", Q, "--concurrency", "1", "--types", "F").awaitReady(Duration.ofSeconds(60));
        Unique active = Unique.byKey("active", Mode.ACTIVE);
        EnqueueResult first = store.enqueue(job(Q, "F", "long", 1_500).withUnique(active));
        awaitLines(Duration.ofSeconds(30), 1, l -> !l.end() && l.key().equals("long"));

        EnqueueResult whileRunning = store.enqueue(job(Q, "F", "again", 0).withUnique(active));
        EnqueueResult queuedMode =
                store.enqueue(job(Q, "F", "queued-mode", 0).withUnique(active.withMode(Mode.QUEUED)));
        awaitLines(Duration.ofSeconds(30), 1, l -> l.end() && l.key().equals("long"));
        Await.until(Duration.ofSeconds(10), "the holder to succeed", () -> "SUCCEEDED"
                .equals(jobField(Q, first.id(), "state")));
        // the QUEUED-mode job took the key while it waited; it lets go when it starts
        Await.until(Duration.ofSeconds(10), "the queued-mode job to start", () -> !"QUEUED"
                .equals(jobField(Q, queuedMode.id(), "state")));
        EnqueueResult afterwards = store.enqueue(job(Q, "F", "after", 0).withUnique(active));

        assertThat(whileRunning.status()).isEqualTo(Status.DUPLICATE);
        assertThat(whileRunning.id()).isEqualTo(first.id());
        assertThat(queuedMode.status())
                .as("QUEUED mode does not hold a running job")
                .isEqualTo(Status.CREATED);
        assertThat(afterwards.status()).isEqualTo(Status.CREATED);
        assertThat(afterwards.id()).isNotEqualTo(first.id());
    }

    @Test
    void throttleHoldsForItsWindowWhateverBecameOfTheJob() {
        launchFlow("w1", "--queues", Q, "--concurrency", "1", "--types", "F").awaitReady(Duration.ofSeconds(60));
        Unique throttle = Unique.throttle("throttle", Duration.ofSeconds(2));
        EnqueueResult first = store.enqueue(job(Q, "F", "t1", 0).withUnique(throttle));
        Await.until(Duration.ofSeconds(10), "the first to succeed", () -> "SUCCEEDED"
                .equals(jobField(Q, first.id(), "state")));
        EnqueueResult inWindow = store.enqueue(job(Q, "F", "t2", 0).withUnique(throttle));
        long ttl = TestRedis.raw(redis, j -> j.pttl(Keys.of(Q).unique("throttle")));

        Await.until(
                Duration.ofSeconds(10),
                "the window to close",
                () -> !TestRedis.raw(redis, j -> j.exists(Keys.of(Q).unique("throttle"))));
        EnqueueResult afterWindow = store.enqueue(job(Q, "F", "t3", 0).withUnique(throttle));

        assertThat(first.status()).isEqualTo(Status.CREATED);
        assertThat(inWindow.status())
                .as("within the window, after the job ended")
                .isEqualTo(Status.DUPLICATE);
        assertThat(inWindow.id()).isEqualTo(first.id());
        assertThat(ttl).as("the key's ms to live").isBetween(1L, 2_000L);
        assertThat(afterWindow.status()).isEqualTo(Status.CREATED);
    }

    @Test
    void debounceRunsOnceAWindowAfterTheLastEnqueueWithTheLastPayload() {
        Unique debounce = Unique.debounce("debounce", Duration.ofMillis(1_500));
        EnqueueResult first = store.enqueue(job(Q, "F", "v1", 0).withUnique(debounce));
        long firstRunAt = Long.parseLong(jobField(Q, first.id(), "runAt"));
        Await.pause(300);
        EnqueueResult second = store.enqueue(job(Q, "F", "v2", 0).withUnique(debounce));
        long secondRunAt = Long.parseLong(jobField(Q, first.id(), "runAt"));
        launchFlow("w1", "--queues", Q, "--concurrency", "1", "--types", "F").awaitReady(Duration.ofSeconds(60));
        Await.until(Duration.ofSeconds(15), "the debounced job to succeed", () -> "SUCCEEDED"
                .equals(jobField(Q, first.id(), "state")));

        assertThat(first.status()).isEqualTo(Status.CREATED);
        assertThat(second.status()).isEqualTo(Status.REPLACED);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(secondRunAt).as("run-at pushed back").isGreaterThanOrEqualTo(firstRunAt + 300);
        assertThat(FlowHistory.lines(history))
                .filteredOn(l -> !l.end())
                .extracting(FlowHistory.Line::key)
                .containsExactly("v2");
    }
}
