package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.RetryPolicy;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.InlineHandler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A job past its timeout is interrupted and the attempt fails; one that ignores the interrupt is abandoned after the hung-job grace. */
class TimeoutTest extends WorkerTestBase {
    private static final String Q = "timeout";
    private static final RetryPolicy FAST = new RetryPolicy(10, 2, 50, 3);

    @Test
    void aJobPastItsTimeoutIsInterruptedAndRetried() {
        AtomicBoolean interrupted = new AtomicBoolean();
        startWorker(config("w", Q).build(), new Handlers().add(new InlineHandler("sleepy", ctx -> {
                    if (ctx.attempt() > 1) return "done";
                    try {
                        Thread.sleep(10_000);
                    } catch (InterruptedException e) {
                        interrupted.set(true);
                        throw e;
                    }
                    return "overslept";
                })));
        String id = enqueue(NewJob.of(Q, "sleepy", payload())
                .withTimeout(Duration.ofMillis(300))
                .withBackoff(FAST));
        Await.until(
                Duration.ofSeconds(8), "the retry to succeed", () -> job(Q, id).state() == JobState.SUCCEEDED);

        JobRecord r = job(Q, id);
        assertThat(interrupted).isTrue();
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.result().asText()).isEqualTo("done");
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.attempt()).isEqualTo(1);
            assertThat(e.errorClass()).isEqualTo(JobTimeoutException.class.getName());
            assertThat(e.message()).contains("300 ms");
        });
    }

    @Test
    void aJobThatIgnoresTheInterruptIsAbandonedAfterTheHungGraceAndItsFailureRecorded() {
        AtomicBoolean release = new AtomicBoolean();
        AtomicBoolean spinning = new AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        Worker worker = startWorker(
                config("w", Q)
                        .concurrency(2)
                        .hungJobGrace(Duration.ofMillis(500))
                        .build(),
                new Handlers().add(new InlineHandler("deaf", ctx -> {
                    calls.incrementAndGet();
                    if (ctx.attempt() > 1) return "done";
                    spinning.set(true);
                    long limit = System.nanoTime() + 10_000_000_000L;
                    // busy, never checks the interrupt; bounded so the test JVM gets its carrier back
                    while (!release.get() && System.nanoTime() < limit) Thread.onSpinWait();
                    spinning.set(false);
                    return "too late";
                })));
        String id = enqueue(NewJob.of(Q, "deaf", payload())
                .withTimeout(Duration.ofMillis(300))
                .withBackoff(FAST));
        try {
            Await.until(Duration.ofSeconds(8), "the abandoned attempt's failure to be recorded", () -> !job(Q, id)
                    .errors()
                    .isEmpty());
            assertThat(spinning)
                    .as("the first attempt is still running, unheard")
                    .isTrue();
            Await.until(
                    Duration.ofSeconds(8),
                    "the retry to succeed",
                    () -> job(Q, id).state() == JobState.SUCCEEDED);
            assertThat(spinning).isTrue();
        } finally {
            release.set(true);
        }
        Await.until(Duration.ofSeconds(5), "the stubborn attempt to end", () -> !spinning.get());
        Await.until(Duration.ofSeconds(5), "the worker to hold no jobs", () -> worker.busy() == 0);

        JobRecord r = job(Q, id);
        assertThat(r.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(r.result().asText())
                .as("the abandoned attempt's late result is not recorded")
                .isEqualTo("done");
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(calls.get()).isEqualTo(2);
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.attempt()).isEqualTo(1);
            assertThat(e.errorClass()).isEqualTo(JobTimeoutException.class.getName());
        });
        assertThat(r.errors()).extracting(AttemptError::worker).containsExactly("w");
    }
}
