package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.InlineHandler;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A handler's snooze: the job runs again later with the same attempt, no error is recorded, and
 * past the worker's cap it is dead with the reason. On a real Redis with the real scripts.
 */
class SnoozeTest extends WorkerTestBase {
    private static final String Q = "snooze";

    @Test
    void aJobSnoozedTwiceThenSucceedsKeepsItsFirstAttempt() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        List<Long> startedAt = new CopyOnWriteArrayList<>();
        Worker worker = startWorker(config("w", Q).build(), new Handlers().add(new InlineHandler("nap", ctx -> {
                    attempts.add(ctx.attempt());
                    startedAt.add(System.nanoTime());
                    if (attempts.size() <= 2) return ctx.snooze(Duration.ofMillis(300));
                    return "awake";
                })));
        String id = enqueue(NewJob.of(Q, "nap", payload()));

        Await.until(
                Duration.ofSeconds(15), "the job to succeed", () -> job(Q, id).state() == JobState.SUCCEEDED);

        JobRecord done = job(Q, id);
        assertThat(attempts).as("every run is attempt 1").containsExactly(1, 1, 1);
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.snoozes()).isEqualTo(2);
        assertThat(done.errors()).as("a snooze is not an error").isEmpty();
        assertThat(done.result().asText()).isEqualTo("awake");
        for (int n = 1; n < 3; n++) {
            assertThat((startedAt.get(n) - startedAt.get(n - 1)) / 1_000_000)
                    .as("run %d waited out the snooze", n + 1)
                    .isGreaterThanOrEqualTo(250);
        }
        assertThat(worker.metrics().snoozed.labelValues(Q, "nap").get()).isEqualTo(2.0);
        assertThat(queues.stats(Q)).doesNotContainKey("retried");
    }

    @Test
    void aJobThatAlwaysSnoozesIsDeadAtTheCapWithTheReason() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        startWorker(config("w", Q).maxSnoozes(3).build(), new Handlers().add(new InlineHandler("insomniac", ctx -> {
                    attempts.add(ctx.attempt());
                    throw new SnoozeException(Duration.ofMillis(20));
                })));
        String id = enqueue(NewJob.of(Q, "insomniac", payload()));

        Await.until(Duration.ofSeconds(15), "the job to die", () -> job(Q, id).state() == JobState.DEAD);

        JobRecord dead = job(Q, id);
        assertThat(attempts)
                .as("3 snoozes, then the run whose snooze is refused")
                .containsExactly(1, 1, 1, 1);
        assertThat(dead.deadReason()).isEqualTo("snoozed 3 times (the cap)");
        assertThat(dead.snoozes()).isEqualTo(3);
        assertThat(dead.attempts()).isEqualTo(1);
        assertThat(counts(Q).dead()).isEqualTo(1);
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDate() {
        Instant now = Instant.parse("2026-10-21T07:28:00Z");
        String inAMinute =
                DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(60).atZone(ZoneOffset.UTC));

        assertThat(SnoozeException.retryAfter("90", now)).isEqualTo(Duration.ofSeconds(90));
        assertThat(SnoozeException.retryAfter(" 0 ", now)).isEqualTo(Duration.ZERO);
        assertThat(SnoozeException.retryAfter(inAMinute, now)).isEqualTo(Duration.ofSeconds(60));
        assertThat(SnoozeException.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now))
                .as("a date already past: now")
                .isEqualTo(Duration.ZERO);
        assertThat(SnoozeException.retryAfter("99999999", now)).isEqualTo(SnoozeException.MAX_DELAY);
        assertThat(new SnoozeException("7").delay()).isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> new SnoozeException("soon"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'soon'");
        assertThatThrownBy(() -> new SnoozeException(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
