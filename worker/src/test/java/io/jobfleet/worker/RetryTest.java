package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.RetryPolicy;
import io.jobfleet.worker.demo.FailHandler;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.InlineHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Failed attempts are retried after a full-jitter exponential backoff kept in Redis, then dead-lettered with every error. */
class RetryTest extends WorkerTestBase {
    private static final String Q = "retry";
    private static final RetryPolicy POLICY = new RetryPolicy(50, 2, 400, 6);

    /** What a handler saw of its own job hash when an attempt started. */
    private record Seen(int attempt, Map<String, String> hash) {}

    @Test
    void anAlwaysFailingJobIsRetriedWithinTheBackoffCeilingsThenDeadWithEveryError() {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        startWorker(config("w", Q).build(), new Handlers().add(new InlineHandler("always", ctx -> {
                    seen.add(new Seen(
                            ctx.attempt(), TestRedis.hash(redis, Keys.of(Q).job(ctx.id()))));
                    throw new IllegalStateException("boom " + ctx.attempt());
                })));
        String id = enqueue(NewJob.of(Q, "always", payload()).withBackoff(POLICY));
        Await.until(Duration.ofSeconds(30), "the job to die", () -> job(Q, id).state() == JobState.DEAD);

        JobRecord dead = job(Q, id);
        assertThat(dead.attempts()).isEqualTo(6);
        assertThat(dead.errors()).extracting(AttemptError::attempt).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(dead.errors())
                .extracting(AttemptError::message)
                .containsExactlyElementsOf(
                        IntStream.rangeClosed(1, 6).mapToObj(n -> "boom " + n).toList());
        assertThat(dead.errors()).allSatisfy(e -> {
            assertThat(e.errorClass()).isEqualTo(IllegalStateException.class.getName());
            assertThat(e.worker()).isEqualTo("w");
            assertThat(e.stack()).contains("IllegalStateException");
        });
        assertThat(dead.errors()).extracting(AttemptError::at).isSorted();
        assertThat(dead.deadReason()).startsWith("attempts exhausted (6 of 6)").contains("boom 6");
        Double diedAt = TestRedis.raw(redis, j -> j.zscore(Keys.of(Q).dead(), id));
        assertThat(diedAt).as("in the DLQ").isNotNull();
        assertThat(counts(Q).dead()).isEqualTo(1);
        assertThat(queues.stats(Q)).containsEntry("retried", "5").containsEntry("dead", "1");

        // attempt n+1 sees the due time the failure of attempt n set, and the time that failure was recorded
        assertThat(seen).extracting(Seen::attempt).containsExactly(1, 2, 3, 4, 5, 6);
        for (int n = 1; n < 6; n++) {
            Map<String, String> hash = seen.get(n).hash();
            long failedAt = lastErrorAt(hash.get("errors"));
            long runAt = Long.parseLong(hash.get("runAt"));
            long startedAt = Long.parseLong(hash.get("startedAt"));
            long delay = runAt - failedAt;
            System.out.printf(
                    "RetryTest: retry after attempt %d: backoff %d ms (ceiling %d), started %d ms after due%n",
                    n, delay, POLICY.ceilingMs(n), startedAt - runAt);
            assertThat(delay).as("backoff after attempt %d", n).isBetween(0L, POLICY.ceilingMs(n));
            assertThat(startedAt)
                    .as("attempt %d never starts before it is due", n + 1)
                    .isGreaterThanOrEqualTo(runAt);
        }
    }

    @Test
    void aNonRetryableErrorIsDeadAfterOneAttempt() {
        startWorker(config("w", Q).build(), new Handlers().add(new FailHandler()));
        String id =
                enqueue(NewJob.of(Q, "fail", payload().put("nonRetryable", true).put("message", "bad input"))
                        .withBackoff(POLICY));
        Await.until(Duration.ofSeconds(20), "the job to die", () -> job(Q, id).state() == JobState.DEAD);
        JobRecord dead = job(Q, id);
        assertThat(dead.attempts()).isEqualTo(1);
        assertThat(dead.deadReason()).startsWith("non-retryable").contains("bad input");
        assertThat(dead.errors()).singleElement().satisfies(e -> {
            assertThat(e.errorClass()).isEqualTo(NonRetryableException.class.getName());
            assertThat(e.message()).isEqualTo("bad input");
        });
        assertThat(queues.stats(Q)).doesNotContainKey("retried");
    }

    @Test
    void anUnknownJobTypeIsDeadWithAReasonNamingTheType() {
        startWorker(config("w", Q).build(), new Handlers().add(new FailHandler()));
        String id = enqueue(NewJob.of(Q, "mystery.type", payload()));
        Await.until(Duration.ofSeconds(20), "the job to die", () -> job(Q, id).state() == JobState.DEAD);
        JobRecord dead = job(Q, id);
        assertThat(dead.attempts()).isEqualTo(1);
        assertThat(dead.deadReason()).contains("'mystery.type'").contains("no handler");
        assertThat(dead.errors()).singleElement().satisfies(e -> assertThat(e.message())
                .contains("mystery.type"));
    }

    @Test
    void aJobThatFailsTwiceThenSucceedsKeepsItsErrors() {
        startWorker(config("w", Q).build(), new Handlers().add(new FailHandler()));
        String id = enqueue(NewJob.of(Q, "fail", payload().put("times", 2)).withBackoff(POLICY));
        Await.until(
                Duration.ofSeconds(20), "the job to succeed", () -> job(Q, id).state() == JobState.SUCCEEDED);
        JobRecord done = job(Q, id);
        assertThat(done.attempts()).isEqualTo(3);
        assertThat(done.errors()).extracting(AttemptError::attempt).containsExactly(1, 2);
        assertThat(done.result().path("succeededOnAttempt").asInt()).isEqualTo(3);
    }

    private static long lastErrorAt(String errorsJson) {
        JsonNode errors = Json.read(errorsJson);
        return errors.get(errors.size() - 1).path("at").asLong();
    }
}
