package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.worker.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Expiring jobs (issue 14): a job whose expiry passed before a worker claimed it, whether it
 * waited in the queue or was scheduled, is never run; it ends EXPIRED with the reason, stays
 * visible, and is counted in the queue's stats.
 */
class ExpiryTest extends FlowTestBase {
    private static final String Q = "expiry";

    @Test
    void aJobNotStartedByItsExpiryIsNeverRunAndKeptWithTheReason() {
        Instant soon = Instant.now().plusMillis(300);
        String waiting =
                enqueue(1, i -> job(Q, "F", "waiting", 0).withExpiresAt(soon)).get(0);
        String scheduled = enqueue(1, i -> job(Q, "F", "scheduled", 0)
                        .withDelay(Duration.ofMillis(800))
                        .withExpiresAt(soon))
                .get(0);
        String fresh = enqueue(1, i -> job(Q, "F", "fresh", 0)
                        .withExpiresAt(Instant.now().plusSeconds(600)))
                .get(0);
        long expiresAt = soon.toEpochMilli();
        Await.until(Duration.ofSeconds(5), "the expiry to pass", () -> redisNowMs() > expiresAt);
        launchFlow("w1", "--queues", Q, "--concurrency", "2", "--types", "F").awaitReady(Duration.ofSeconds(60));

        awaitLines(Duration.ofSeconds(30), 1, l -> l.end() && l.key().equals("fresh"));
        Await.until(
                Duration.ofSeconds(15),
                "both to expire",
                () -> "EXPIRED".equals(jobField(Q, waiting, "state"))
                        && "EXPIRED".equals(jobField(Q, scheduled, "state")));

        System.out.println("FLOW expiry: reason '" + jobField(Q, waiting, "deadReason") + "'");
        for (String id : List.of(waiting, scheduled)) {
            assertThat(jobField(Q, id, "deadReason")).startsWith("expired: not started by ");
        }
        // The handler's end line is written before its ack reaches Redis: wait for the state.
        Await.until(Duration.ofSeconds(15), "the fresh job to succeed", () -> "SUCCEEDED"
                .equals(jobField(Q, fresh, "state")));
        assertThat(FlowHistory.lines(history)).extracting(FlowHistory.Line::key).containsOnly("fresh");
        assertThat(new QueueStore(redis).stats(Q)).containsEntry("expired", "2");
    }
}
