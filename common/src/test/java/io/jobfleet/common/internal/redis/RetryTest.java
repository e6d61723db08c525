package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.FailOutcome;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.job.RetryPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.params.ZAddParams;

/**
 * Guarantee 4: a failed attempt is retried after its backoff, kept durably in the scheduled zset;
 * after the last attempt the job is dead, in the DLQ, with every attempt's error.
 */
class RetryTest extends RealRedisTest {
    /** Same shape as the default (full jitter, growing ceilings) on a millisecond scale. */
    private static final RetryPolicy FAST = new RetryPolicy(5, 2.0, 40, 5);

    /** Claims the job, fails its attempt with a delay from {@code policy}, and makes it due again. */
    private FailOutcome failOnce(String id, RetryPolicy policy, int defaultMax, Exception cause) {
        ClaimedJob job = claimOne();
        assertThat(job.id()).isEqualTo(id);
        long delay = policy.delayMs(job.attempt());
        assertThat(delay).isBetween(0L, policy.ceilingMs(job.attempt()));
        long before = redis.serverTimeMs();
        FailOutcome out =
                leases.fail(job, AttemptError.of(job.attempt(), cause, "w1"), delay, defaultMax, "attempts exhausted");
        long after = redis.serverTimeMs();
        if (out.kind() == FailOutcome.Kind.RETRY) {
            assertThat(out.dueAt()).isBetween(before + delay, after + delay);
            assertThat(raw.score(RawQueue.Place.SCHEDULED, id)).isEqualTo((double) out.dueAt());
            assertThat(raw.job(id))
                    .containsEntry("state", "SCHEDULED")
                    .containsEntry("runAt", Long.toString(out.dueAt()));
            assertThat(raw.placesOf(id)).containsExactly(RawQueue.Place.SCHEDULED);
            awaitServerTimePast(out.dueAt());
            assertThat(leases.promote(P, 10).count()).isEqualTo(1);
        }
        return out;
    }

    @Test
    void failedAttemptsAreRetriedThenTheJobDiesWithEveryError() {
        String id = enqueue(1);
        int max = RetryPolicy.DEFAULT.maxAttempts();
        for (int attempt = 1; attempt < max; attempt++) {
            FailOutcome out = failOnce(id, FAST, max, new IllegalStateException("boom " + attempt));
            assertThat(out.kind()).as("attempt %d", attempt).isEqualTo(FailOutcome.Kind.RETRY);
            assertThat(record(id).attempts()).isEqualTo(attempt);
        }
        assertThat(failOnce(id, FAST, max, new java.io.IOException("last"))).isEqualTo(FailOutcome.DEAD);

        assertThat(raw.placesOf(id)).containsExactly(RawQueue.Place.DEAD);
        JobRecord dead = record(id);
        assertThat(dead.state()).isEqualTo(JobState.DEAD);
        assertThat(dead.attempts()).isEqualTo(max);
        assertThat(dead.deadReason()).isEqualTo("attempts exhausted");
        assertThat(dead.finishedAt())
                .isEqualTo(raw.score(RawQueue.Place.DEAD, id).longValue());
        List<AttemptError> errors = dead.errors();
        assertThat(errors).extracting(AttemptError::attempt).containsExactly(1, 2, 3, 4, 5);
        assertThat(errors)
                .extracting(AttemptError::message)
                .containsExactly("boom 1", "boom 2", "boom 3", "boom 4", "last");
        assertThat(errors)
                .extracting(AttemptError::errorClass)
                .containsExactly(
                        "java.lang.IllegalStateException",
                        "java.lang.IllegalStateException",
                        "java.lang.IllegalStateException",
                        "java.lang.IllegalStateException",
                        "java.io.IOException");
        assertThat(errors).allSatisfy(e -> {
            assertThat(e.worker()).isEqualTo("w1");
            assertThat(e.stack()).contains("RetryTest");
            assertThat(e.at()).isPositive();
        });
        assertThat(errors).extracting(AttemptError::at).isSorted();
        assertThat(dead.errorsDropped()).isZero();
        assertThat(raw.stat("retried")).isEqualTo(4);
        assertThat(raw.stat("dead")).isEqualTo(1);
        assertThat(queues.counts(Q).dead()).isEqualTo(1);
    }

    /**
     * The default policy's real delays (up to minutes) are kept in the scheduled zset; the test
     * steps time by making the retry due in Redis instead of waiting for it.
     */
    @Test
    void defaultPolicyDelaysAreKeptDurablyInTheScheduledSet() {
        RetryPolicy policy = RetryPolicy.DEFAULT;
        String id = enqueue(1);
        for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
            ClaimedJob job = claimOne();
            assertThat(job.attempt()).isEqualTo(attempt);
            long delay = policy.delayMs(attempt);
            long before = redis.serverTimeMs();
            FailOutcome out = leases.fail(job, error(attempt, "e" + attempt), delay, policy.maxAttempts(), "exhausted");
            long after = redis.serverTimeMs();
            if (attempt == policy.maxAttempts()) {
                assertThat(out).isEqualTo(FailOutcome.DEAD);
                break;
            }
            assertThat(out.kind()).isEqualTo(FailOutcome.Kind.RETRY);
            assertThat(out.dueAt()).isBetween(before, after + policy.ceilingMs(attempt));
            assertThat(out.dueAt() - before).isLessThanOrEqualTo(policy.ceilingMs(attempt) + (after - before));
            assertThat(raw.score(RawQueue.Place.SCHEDULED, id)).isEqualTo((double) out.dueAt());
            // step time: make the retry due now (XX: only if promote has not taken it already)
            TestRedis.raw(
                    redis,
                    j -> j.zadd(
                            raw.keys().scheduled(),
                            0,
                            id,
                            ZAddParams.zAddParams().xx()));
            leases.promote(P, 10);
            assertThat(raw.state(id)).isEqualTo(JobState.QUEUED);
        }
        assertThat(record(id).errors()).extracting(AttemptError::message).containsExactly("e1", "e2", "e3", "e4", "e5");
        assertThat(raw.placesOf(id)).containsExactly(RawQueue.Place.DEAD);
    }

    @Test
    void errorsAreBoundedAndTheDroppedOnesCounted() {
        Retention retention = new Retention(Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1), 3);
        store = new JobStore(redis, retention);
        leases = new Leases(redis, retention);
        String id = enqueue(1);
        for (int attempt = 1; attempt <= 5; attempt++) {
            failOnce(id, FAST, 5, new IllegalStateException("boom " + attempt));
        }
        JobRecord dead = record(id);
        assertThat(dead.state()).isEqualTo(JobState.DEAD);
        assertThat(dead.errors()).extracting(AttemptError::attempt).containsExactly(3, 4, 5);
        assertThat(dead.errors()).extracting(AttemptError::message).containsExactly("boom 3", "boom 4", "boom 5");
        assertThat(dead.errorsDropped()).isEqualTo(2);
    }

    /** L7: lastError is cut to at most 300 bytes of the message, never inside a UTF-8 character. */
    @Test
    void lastErrorIsCutOnACharacterBoundary() {
        String id = store.enqueue(job(1).withMaxAttempts(1)).id(); // dead at once: the next claim takes the second job
        String message = "a".repeat(299) + "\u00e9\u00e9" + "b".repeat(50); // é is 2 bytes: bytes 300-301
        failOnce(id, FAST, 5, new IllegalStateException(message));

        String lastError = TestRedis.hash(redis, raw.keys().job(id)).get("lastError");
        assertThat(lastError).doesNotContain("\ufffd").isEqualTo("java.lang.IllegalStateException: " + "a".repeat(299));

        String id2 = enqueue(2);
        String emoji = "x".repeat(298) + "\ud83d\ude00"; // a 4-byte character at bytes 299-302
        failOnce(id2, FAST, 5, new IllegalStateException(emoji));
        assertThat(TestRedis.hash(redis, raw.keys().job(id2)).get("lastError"))
                .isEqualTo("java.lang.IllegalStateException: " + "x".repeat(298));
    }

    @Test
    void jobMaxAttemptsOverridesTheQueueDefault() {
        String fewer = store.enqueue(job(1).withMaxAttempts(2)).id();
        assertThat(failOnce(fewer, FAST, 5, new RuntimeException("1")).kind()).isEqualTo(FailOutcome.Kind.RETRY);
        assertThat(failOnce(fewer, FAST, 5, new RuntimeException("2"))).isEqualTo(FailOutcome.DEAD);

        String more = store.enqueue(job(2).withMaxAttempts(4)).id();
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(failOnce(more, FAST, 2, new RuntimeException("x")).kind())
                    .as("attempt %d", attempt)
                    .isEqualTo(FailOutcome.Kind.RETRY);
        }
        assertThat(failOnce(more, FAST, 2, new RuntimeException("x"))).isEqualTo(FailOutcome.DEAD);
        assertThat(record(more).attempts()).isEqualTo(4);
    }

    @Test
    void queueDefaultAppliesWithoutAJobLimit() {
        String id = enqueue(1);
        assertThat(failOnce(id, FAST, 1, new RuntimeException("only"))).isEqualTo(FailOutcome.DEAD);
        assertThat(record(id).errors()).hasSize(1);
    }

    @Test
    void claimedJobCarriesItsOwnRetryPolicy() {
        RetryPolicy own = new RetryPolicy(100, 3.0, 10_000, 7);
        store.enqueue(job(1).withBackoff(own).withMaxAttempts(7));
        ClaimedJob job = claimOne();
        assertThat(job.record().retryPolicy(RetryPolicy.DEFAULT)).isEqualTo(own);
        assertThat(job.record().maxAttempts()).isEqualTo(7);
    }

    @Test
    void nonRetryableErrorKillsAtOnce() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        assertThat(leases.fail(job, error(1, "bad input"), -1, 5, "non-retryable: bad input"))
                .isEqualTo(FailOutcome.DEAD);
        JobRecord dead = record(id);
        assertThat(dead.deadReason()).isEqualTo("non-retryable: bad input");
        assertThat(dead.attempts()).isEqualTo(1);
        assertThat(raw.placesOf(id)).containsExactly(RawQueue.Place.DEAD);
    }

    @Test
    void retryIsScheduledByTheServerClock() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        long before = redis.serverTimeMs();
        FailOutcome out = leases.fail(job, error(1, "x"), 125_000, 5, "dead");
        assertThat(out.dueAt()).isBetween(before + 125_000, redis.serverTimeMs() + 125_000);
        assertThat(leases.promote(P, 10)).isEqualTo(new Leases.Promoted(0, out.dueAt()));
        assertThat(raw.state(id)).isEqualTo(JobState.SCHEDULED);
    }
}
