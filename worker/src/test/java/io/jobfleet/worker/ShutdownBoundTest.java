package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.job.JobState;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Review M3: with Redis unreachable, stop() handed running jobs back one by one, each through the
 * 3-minute Redis retry, so a graceful stop took minutes per job. It must return within the grace
 * plus a few seconds; the jobs come back by lease expiry once Redis does.
 */
@Tag("single-server")
class ShutdownBoundTest extends WorkerTestBase {
    private static final String Q = "stop-bound";

    @Test
    void stopReturnsWithinTheGracePlusSecondsWhileRedisIsDown() throws Exception {
        Worker worker = startWorker(
                config("w", Q)
                        .lease(Duration.ofSeconds(2))
                        .renewEvery(Duration.ofMillis(500))
                        .build(),
                TestHandlers.standard(redis, "w"));
        List<String> ids = enqueueMany(Q, "slow", ms(60_000), 3);
        Await.until(
                Duration.ofSeconds(10),
                "three long jobs to run",
                () -> counts(Q).active() == 3);

        server.kill();
        long started = System.nanoTime();
        CompletableFuture<Void> stop = CompletableFuture.runAsync(worker::stop);
        try {
            stop.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("stop() with Redis down did not return within 30 s", e);
        } finally {
            server.restart();
        }
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("ShutdownBoundTest: stop() with Redis down took %d ms (grace 500 ms)%n", tookMs);
        assertThat(tookMs).as("stop() with Redis down, ms").isLessThan(500 + 10_000);

        // the jobs were not lost: their leases run out and another worker runs them
        startWorker(config("w2", Q).reapEvery(Duration.ofMillis(200)).build(), TestHandlers.standard(redis, "w2"));
        Await.until(Duration.ofSeconds(20), "the jobs to be claimed again", () -> ids.stream()
                .allMatch(id -> job(Q, id).state() == JobState.ACTIVE
                        && "w2".equals(job(Q, id).worker())));
    }
}
