package io.jobfleet.worker;

import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.RetryPolicy;
import io.jobfleet.worker.WorkerConfig.BreakerSettings;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.InlineHandler;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Review H2: a timed-out trial call in a half-open breaker was neither recorded nor released, so
 * the breaker stayed half-open for ever and its type's jobs bounced back unrun; and a downstream
 * that only hangs (every call times out) never opened the breaker at all.
 */
class BreakerRecoveryTest extends WorkerTestBase {
    private static final String Q = "breaker-recovery";
    private static final RetryPolicy SLOW_RETRY = new RetryPolicy(600_000, 2, 600_000, 10);

    @Test
    void aHalfOpenBreakerWhoseTrialTimesOutStillRecoversWhenTheDownstreamDoes() {
        AtomicReference<String> phase = new AtomicReference<>("throw");
        startWorker(
                config("w", Q)
                        .concurrency(2)
                        .breaker(new BreakerSettings(true, 2, 2, 50f, Duration.ofSeconds(1)))
                        .build(),
                new Handlers().add(new InlineHandler("downstream", ctx -> {
                    switch (phase.get()) {
                        case "throw" -> throw new IllegalStateException("downstream is down");
                        case "hang" -> Thread.sleep(5_000); // past the job's 200 ms timeout
                        default -> {}
                    }
                    return null;
                })));
        for (int i = 0; i < 2; i++)
            enqueue(NewJob.of(Q, "downstream", payload()).withBackoff(SLOW_RETRY));
        Await.until(
                Duration.ofSeconds(10), "two failed attempts", () -> counts(Q).scheduled() == 2);

        // open now; its half-open trials will time out
        phase.set("hang");
        for (int i = 0; i < 2; i++)
            enqueue(NewJob.of(Q, "downstream", payload())
                    .withTimeout(Duration.ofMillis(200))
                    .withBackoff(SLOW_RETRY));
        Await.until(
                Duration.ofSeconds(20),
                "the trial calls to time out",
                () -> counts(Q).scheduled() == 4
                        && queues.stats(Q).getOrDefault("retried", "0").equals("4"));

        phase.set("ok");
        String later = enqueue(NewJob.of(Q, "downstream", payload()));
        Await.until(
                Duration.ofSeconds(15),
                "a job of the recovered type to succeed",
                () -> job(Q, later).state() == JobState.SUCCEEDED);
    }

    @Test
    void aDownstreamThatOnlyHangsOpensTheBreaker() {
        Worker worker = startWorker(
                config("w", Q)
                        .concurrency(4)
                        .breaker(new BreakerSettings(true, 4, 4, 50f, Duration.ofSeconds(30)))
                        .build(),
                new Handlers().add(new InlineHandler("hangs", ctx -> {
                    Thread.sleep(5_000);
                    return null;
                })));
        for (int i = 0; i < 6; i++)
            enqueue(NewJob.of(Q, "hangs", payload())
                    .withTimeout(Duration.ofMillis(200))
                    .withBackoff(SLOW_RETRY));
        Await.until(Duration.ofSeconds(15), "the breaker of a hanging type to open", () -> breakerState(worker) == 1);
    }

    /** jobfleet_circuit_breaker_state named "type:hangs" as the worker's registry exposes it (0 closed, 1 open, 2 half-open). */
    private static double breakerState(Worker worker) {
        return worker.metrics().registry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("jobfleet_circuit_breaker_state"))
                .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream())
                .filter(d -> "type:hangs".equals(d.getLabels().get("name")))
                .mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue)
                .findFirst()
                .orElse(-1);
    }
}
