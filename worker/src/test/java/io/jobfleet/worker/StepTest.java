package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.RetryPolicy;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.InlineHandler;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Progress is visible while a job runs; a finished step is not run again on a retry. */
class StepTest extends WorkerTestBase {
    private static final String Q = "steps";

    @Test
    void progressIsVisibleWhileTheJobRuns() throws Exception {
        CountDownLatch reported = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        startWorker(config("w", Q).build(), new Handlers().add(new InlineHandler("progress", ctx -> {
                    ctx.progress(Map.of("percent", 40, "stage", "download"));
                    reported.countDown();
                    if (!proceed.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("test never let go");
                    ctx.progress(Map.of("percent", 100));
                    return "ok";
                })));
        String id = enqueue(NewJob.of(Q, "progress", payload()));
        assertThat(reported.await(20, TimeUnit.SECONDS)).isTrue();
        JobRecord running = job(Q, id);
        assertThat(running.state()).isEqualTo(JobState.ACTIVE);
        assertThat(running.progress().path("percent").asInt()).isEqualTo(40);
        assertThat(running.progress().path("stage").asText()).isEqualTo("download");
        proceed.countDown();
        Await.until(
                Duration.ofSeconds(10), "the job to succeed", () -> job(Q, id).state() == JobState.SUCCEEDED);
        assertThat(job(Q, id).progress().path("percent").asInt()).isEqualTo(100);
    }

    @Test
    void aStepDoneBeforeAFailureIsSkippedOnTheRetry() {
        AtomicInteger stepA = new AtomicInteger();
        AtomicInteger stepB = new AtomicInteger();
        startWorker(config("w", Q).build(), new Handlers().add(new InlineHandler("two-steps", ctx -> {
                    String a = ctx.step("a", String.class, () -> "A" + stepA.incrementAndGet());
                    if (ctx.attempt() == 1) throw new IllegalStateException("fails after step a");
                    String b = ctx.step("b", String.class, () -> "B" + stepB.incrementAndGet());
                    return a + b;
                })));
        String id = enqueue(NewJob.of(Q, "two-steps", payload()).withBackoff(new RetryPolicy(10, 2, 50, 3)));
        Await.until(
                Duration.ofSeconds(10), "the retry to succeed", () -> job(Q, id).state() == JobState.SUCCEEDED);

        JobRecord r = job(Q, id);
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(stepA.get()).as("step a's body runs once across attempts").isEqualTo(1);
        assertThat(stepB.get()).isEqualTo(1);
        assertThat(r.result().asText())
                .as("the retry gets step a's recorded result")
                .isEqualTo("A1B1");
        assertThat(TestRedis.hash(redis, Keys.of(Q).steps(id)))
                .containsEntry("a", "\"A1\"")
                .containsEntry("b", "\"B1\"");
    }
}
