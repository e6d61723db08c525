package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.RetryPolicy;
import io.jobfleet.worker.WorkerConfig.BreakerSettings;
import io.jobfleet.worker.demo.NoopHandler;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.InlineHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A job type that keeps failing trips its breaker: its jobs are then handed back without spending attempts, other types run on. */
class CircuitBreakerTest extends WorkerTestBase {
    private static final String Q = "breaker";
    private static final BreakerSettings SMALL = new BreakerSettings(true, 4, 4, 50f, Duration.ofSeconds(3));
    /** Retries far in the future, so failed jobs stay out of the way. */
    private static final RetryPolicy SLOW_RETRY = new RetryPolicy(600_000, 2, 600_000, 10);

    @Test
    void aFailingTypeTripsItsBreakerAndItsJobsAreHandedBackUnspent() {
        AtomicInteger flakyRuns = new AtomicInteger();
        Worker worker = startWorker(
                config("w", Q).concurrency(2).breaker(SMALL).build(),
                new Handlers().add(new NoopHandler()).add(new InlineHandler("flaky", ctx -> {
                    flakyRuns.incrementAndGet();
                    throw new IllegalStateException("downstream is down");
                })));
        List<String> tripping = new ArrayList<>();
        for (int i = 0; i < 4; i++)
            tripping.add(enqueue(NewJob.of(Q, "flaky", payload()).withBackoff(SLOW_RETRY)));
        Await.until(Duration.ofSeconds(20), "4 failed attempts", () -> tripping.stream()
                .allMatch(id -> job(Q, id).state() == JobState.SCHEDULED));
        assertThat(flakyRuns.get()).isEqualTo(4);

        // the breaker is open now: more jobs of that type come back with their attempts unspent
        List<String> heldBack = enqueueMany(Q, "flaky", payload(), 3);
        Await.until(Duration.ofSeconds(20), "the new jobs to be handed back", () -> heldBack.stream()
                .allMatch(id -> job(Q, id).state() == JobState.SCHEDULED));
        for (String id : heldBack) {
            JobRecord r = job(Q, id);
            assertThat(r.attempts()).as("attempts of %s", id).isZero();
            assertThat(r.errors()).isEmpty();
            assertThat(r.runAt()).isGreaterThan(r.startedAt());
            assertThat(r.runAt() - r.startedAt())
                    .isLessThanOrEqualTo(SMALL.openFor().toMillis() + 100);
        }
        assertThat(flakyRuns.get())
                .as("the handler of an open breaker's type is not called")
                .isEqualTo(4);

        // other types are unaffected, and the held-back jobs gave their slots back
        String other = enqueue(NewJob.of(Q, "noop", payload()));
        Await.until(
                Duration.ofSeconds(5),
                "a job of another type to run",
                () -> job(Q, other).state() == JobState.SUCCEEDED);
        Await.until(Duration.ofSeconds(5), "every slot to be free", () -> worker.busy() == 0);
    }
}
