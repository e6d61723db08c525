package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.FailOutcome;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Retention and the dead-letter queue through {@link QueueStore}: finished jobs expire, dead jobs
 * are deleted after their retention and counted, and the DLQ can be redriven or purged.
 */
class DeadLetterTest extends RealRedisTest {

    /** A job failed {@code attempts} times, the last one making it dead. */
    private String deadJob(int n, int attempts) {
        String id = enqueue(n);
        for (int a = 1; a <= attempts; a++) {
            ClaimedJob job = claimOne();
            assertThat(job.id()).isEqualTo(id);
            leases.fail(job, error(a, "boom " + a), 0, attempts, "attempts exhausted");
            if (a < attempts) leases.promote(P, 10);
        }
        assertThat(raw.state(id)).isEqualTo(JobState.DEAD);
        return id;
    }

    @Test
    void succeededJobExpiresAfterTheFinishedRetention() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        assertThat(raw.pttl(raw.keys().job(id))).isEqualTo(-1);

        leases.ack(P, List.of(new Leases.Ack(id, job.token(), null)));

        long finished = Retention.DEFAULT.finished().toMillis();
        assertThat(raw.pttl(raw.keys().job(id))).isBetween(finished - 10_000, finished);
        assertThat(raw.stat("succeeded")).isEqualTo(1);
    }

    @Test
    void succeededJobIsGoneWhenItsRetentionRunsOut() {
        Retention retention = new Retention(Duration.ofMillis(50), Duration.ofDays(1), Duration.ofDays(1), 5);
        store = new JobStore(redis, retention);
        leases = new Leases(redis, retention);
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        leases.ack(P, List.of(new Leases.Ack(id, job.token(), null)));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (raw.exists(raw.keys().job(id)) && System.nanoTime() < deadline) sleep(10);
        assertThat(store.get(Q, id)).isEmpty();
    }

    @Test
    void deadJobsKeepNoTtlUntilTheirRetentionDeletesThem() {
        String old = deadJob(1, 1);
        assertThat(raw.pttl(raw.keys().job(old))).isEqualTo(-1);
        awaitServerTimePast(raw.score(RawQueue.Place.DEAD, old).longValue() + 300);
        String young = deadJob(2, 1);

        int expired = queues.expireDead(Q, 250, 100);

        assertThat(expired).isEqualTo(1);
        assertThat(raw.job(old)).isEmpty();
        assertThat(raw.dead()).containsOnlyKeys(young);
        assertThat(raw.state(young)).isEqualTo(JobState.DEAD);
        assertThat(queues.stats(Q)).containsEntry("deadExpired", "1");
        assertThat(queues.expireDead(Q, 60_000, 100)).isZero();
        assertThat(queues.stats(Q)).containsEntry("deadExpired", "1").doesNotContainKey("purged");
    }

    @Test
    void expireDeadGoesInBatches() {
        for (int i = 0; i < 5; i++) deadJob(i, 1);
        awaitServerTimePast(
                raw.dead().values().stream().mapToLong(Double::longValue).max().orElseThrow() + 10);
        assertThat(queues.expireDead(Q, 1, 2)).isEqualTo(2);
        assertThat(queues.expireDead(Q, 1, 2)).isEqualTo(2);
        assertThat(queues.expireDead(Q, 1, 2)).isEqualTo(1);
        assertThat(raw.dead()).isEmpty();
        assertThat(raw.stat("deadExpired")).isEqualTo(5);
    }

    @Test
    void deadIdsAreListedOldestFirst() {
        String a = deadJob(1, 1);
        awaitServerTimePast(raw.score(RawQueue.Place.DEAD, a).longValue());
        String b = deadJob(2, 1);
        awaitServerTimePast(raw.score(RawQueue.Place.DEAD, b).longValue());
        String c = deadJob(3, 1);
        long now = redis.serverTimeMs();
        assertThat(queues.deadIds(P, now, 0, 10)).containsExactly(a, b, c);
        assertThat(queues.deadIds(P, now, 1, 1)).containsExactly(b);
        assertThat(queues.deadIds(P, raw.score(RawQueue.Place.DEAD, a).longValue(), 0, 10))
                .containsExactly(a);
    }

    @Test
    void requeueKeepsTheAttemptCountByDefault() {
        String id = deadJob(1, 3);

        assertThat(queues.requeue(Q, List.of(id), false)).isEqualTo(1);

        JobRecord record = record(id);
        assertThat(record.state()).isEqualTo(JobState.QUEUED);
        assertThat(record.attempts()).isEqualTo(3);
        assertThat(record.errors()).hasSize(3);
        assertThat(record.deadReason()).isNull();
        assertThat(record.finishedAt()).isZero();
        assertThat(raw.placesOf(id)).containsExactly(RawQueue.Place.PENDING);
        // the count goes on: one more failure and it is dead again
        ClaimedJob again = claimOne();
        assertThat(again.attempt()).isEqualTo(4);
        assertThat(leases.fail(again, error(4, "still"), 0, 3, "attempts exhausted"))
                .isEqualTo(FailOutcome.DEAD);
    }

    @Test
    void requeueWithResetStartsTheAttemptsAgain() {
        String id = deadJob(1, 3);

        assertThat(queues.requeue(Q, List.of(id), true)).isEqualTo(1);

        assertThat(raw.job(id))
                .containsEntry("state", "QUEUED")
                .containsEntry("attempts", "0")
                .containsEntry("expiries", "0")
                .doesNotContainKeys("deadReason", "finishedAt");
        ClaimedJob again = claimOne();
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(leases.fail(again, error(1, "x"), 0, 3, "dead").kind()).isEqualTo(FailOutcome.Kind.RETRY);
    }

    @Test
    void requeueTwiceMovesNothingTwice() {
        String a = deadJob(1, 1);
        String b = deadJob(2, 1);
        String queued = enqueue(3);

        assertThat(queues.requeue(Q, List.of(a, b, queued, "missing"), false)).isEqualTo(2);
        assertThat(queues.requeue(Q, List.of(a, b, queued, "missing"), false)).isZero();

        assertThat(raw.pending()).containsExactlyInAnyOrder(a, b, queued);
        assertThat(raw.dead()).isEmpty();
        for (String id : List.of(a, b, queued)) assertThat(raw.pendingCount(id)).isEqualTo(1);
    }

    @Test
    void purgeDeletesDeadJobsWithTheirStepsAndCountsThem() {
        String a = enqueue(1);
        ClaimedJob running = claimOne();
        leases.recordStep(running, "charge", "\"done\"");
        leases.fail(running, error(1, "x"), -1, 5, "non-retryable");
        String b = deadJob(2, 1);
        String keep = deadJob(3, 1);
        assertThat(raw.exists(raw.keys().steps(a))).isTrue();

        assertThat(queues.purge(Q, List.of(a, b, "missing"))).isEqualTo(2);
        assertThat(queues.purge(Q, List.of(a, b))).isZero();

        assertThat(raw.allKeys()).noneMatch(k -> k.endsWith(a) || k.endsWith(b));
        assertThat(raw.dead()).containsOnlyKeys(keep);
        assertThat(queues.stats(Q)).containsEntry("purged", "2");
    }

    @Test
    void countsShowEveryState() {
        deadJob(1, 1);
        enqueue(2);
        claimOne();
        enqueue(3);
        store.enqueue(job(4).withDelay(Duration.ofHours(1)));
        queues.pause(Q);

        QueueCounts counts = queues.counts(Q);

        assertThat(counts.pending()).isEqualTo(1);
        assertThat(counts.active()).isEqualTo(1);
        assertThat(counts.scheduled()).isEqualTo(1);
        assertThat(counts.dead()).isEqualTo(1);
        assertThat(counts.paused()).isTrue();
        assertThat(counts.oldestPendingAgeMs()).isGreaterThanOrEqualTo(0);
        assertThat(leases.claim(P, 1, LONG_LEASE, "w").paused()).isTrue();
        assertThat(queues.depth(Q)).isEqualTo(1);
        queues.resume(Q);
        assertThat(leases.claim(P, 1, LONG_LEASE, "w").jobs()).hasSize(1);
        assertThat(queues.queues()).containsExactly(Q);
    }
}
