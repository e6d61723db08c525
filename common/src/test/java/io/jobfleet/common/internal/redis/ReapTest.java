package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Guarantee 3, recovery: a job whose lease ran out goes back to pending at the claim end; one
 * that keeps killing its workers goes to the DLQ as poison; a renewed lease is never taken.
 */
class ReapTest extends RealRedisTest {
    private static final Duration SHORT_LEASE = Duration.ofMillis(50);

    private void awaitLeaseExpiry(String id) {
        awaitServerTimePast(raw.score(RawQueue.Place.ACTIVE, id).longValue());
    }

    @Test
    void expiredLeaseGoesBackToTheClaimEndWithALeaseExpiredError() {
        String victim = enqueue(1);
        ClaimedJob claimed = claimOne(SHORT_LEASE, "crashed-worker");
        String later1 = enqueue(2);
        String later2 = enqueue(3);
        awaitLeaseExpiry(victim);

        Leases.Reaped reaped = leases.reap(P, 10, 3);

        assertThat(reaped).isEqualTo(new Leases.Reaped(1, 0, List.of(victim)));
        assertThat(raw.pending()).containsExactly(later2, later1, victim);
        assertThat(raw.placesOf(victim)).containsExactly(RawQueue.Place.PENDING);
        JobRecord record = record(victim);
        assertThat(record.state()).isEqualTo(JobState.QUEUED);
        assertThat(record.expiries()).isEqualTo(1);
        assertThat(record.attempts()).isEqualTo(1);
        assertThat(record.errors()).hasSize(1);
        AttemptError error = record.errors().get(0);
        assertThat(error.attempt()).isEqualTo(1);
        assertThat(error.errorClass()).isEqualTo("jobfleet.LeaseExpired");
        assertThat(error.message()).contains("crashed-worker");
        assertThat(error.worker()).isEqualTo("crashed-worker");
        assertThat(error.at()).isPositive();
        assertThat(raw.stat("orphansRecovered")).isEqualTo(1);

        ClaimedJob again = claimOne();
        assertThat(again.id()).isEqualTo(victim);
        assertThat(again.token()).isEqualTo(claimed.token() + 1);
        assertThat(again.record().expiries()).isEqualTo(1);
    }

    @Test
    void jobExpiredPoisonLimitTimesIsDead() {
        int poisonLimit = 3;
        String id = enqueue(1);
        for (int expiry = 1; expiry < poisonLimit; expiry++) {
            claimOne(SHORT_LEASE, "w" + expiry);
            awaitLeaseExpiry(id);
            assertThat(leases.reap(P, 10, poisonLimit)).isEqualTo(new Leases.Reaped(1, 0, List.of(id)));
            assertThat(raw.state(id)).isEqualTo(JobState.QUEUED);
            assertThat(raw.nextToClaim()).isEqualTo(id);
        }
        // one short of the limit, the worker runs it as a suspect and marks that run as the one that decides
        assertThat(leases.markSuspect(claimOne(SHORT_LEASE, "w" + poisonLimit))).isTrue();
        awaitLeaseExpiry(id);

        assertThat(leases.reap(P, 10, poisonLimit)).isEqualTo(new Leases.Reaped(0, 1, List.of(id)));

        JobRecord dead = record(id);
        assertThat(dead.state()).isEqualTo(JobState.DEAD);
        assertThat(dead.deadReason()).startsWith("poison");
        assertThat(dead.expiries()).isEqualTo(poisonLimit);
        assertThat(dead.finishedAt()).isPositive();
        assertThat(dead.errors()).extracting(AttemptError::attempt).containsExactly(1, 2, 3);
        assertThat(dead.errors()).extracting(AttemptError::errorClass).containsOnly("jobfleet.LeaseExpired");
        assertThat(dead.errors()).extracting(AttemptError::worker).containsExactly("w1", "w2", "w3");
        assertThat(raw.placesOf(id)).containsExactly(RawQueue.Place.DEAD);
        assertThat(raw.pending()).isEmpty();
        assertThat(raw.stat("dead")).isEqualTo(1);
        assertThat(raw.stat("orphansRecovered")).isEqualTo(poisonLimit);
    }

    /**
     * Review M2: a job one expiry short of the limit, held (not run) by a worker that a crashing
     * neighbour job killed, was made poison although it never ran. Only a run marked by
     * {@link JobStore#markSuspect} counts the last expiry now; an unmarked one goes back unchanged.
     */
    @Test
    void anUnmarkedRunOfAJobOneShortOfTheLimitGoesBackWithoutBlame() {
        int poisonLimit = 3;
        String id = enqueue(1);
        for (int expiry = 1; expiry < poisonLimit; expiry++) {
            claimOne(SHORT_LEASE, "w" + expiry);
            awaitLeaseExpiry(id);
            leases.reap(P, 10, poisonLimit);
        }
        for (int held = 0; held < 2; held++) {
            ClaimedJob suspect = claimOne(SHORT_LEASE, "holder" + held);
            assertThat(suspect.record().expiries()).isEqualTo(poisonLimit - 1);
            awaitLeaseExpiry(id);
            assertThat(leases.reap(P, 10, poisonLimit)).isEqualTo(new Leases.Reaped(1, 0, List.of(id)));
            assertThat(record(id).state()).isEqualTo(JobState.QUEUED);
            assertThat(record(id).expiries()).isEqualTo(poisonLimit - 1);
        }
        // a mark from an older run does not count for the next one
        ClaimedJob marked = claimOne(SHORT_LEASE, "w-marked");
        assertThat(leases.markSuspect(marked)).isTrue();
        awaitLeaseExpiry(id);
        assertThat(leases.reap(P, 10, poisonLimit).dead()).isEqualTo(1);
        assertThat(record(id).expiries()).isEqualTo(poisonLimit);
    }

    @Test
    void aStaleTokenCannotMarkASuspectRun() {
        String id = enqueue(1);
        ClaimedJob first = claimOne(SHORT_LEASE, "w1");
        awaitLeaseExpiry(id);
        leases.reap(P, 10, 3);
        ClaimedJob second = claimOne(LONG_LEASE, "w2");
        assertThat(leases.markSuspect(first)).isFalse();
        assertThat(leases.markSuspect(second)).isTrue();
    }

    /** L7: a poison death counts in the per-minute "dead" series, as a death recorded by fail does. */
    @Test
    void aPoisonDeathIsCountedInThePerMinuteSeries() {
        String id = enqueue(1);
        claimOne(SHORT_LEASE, "w1");
        awaitLeaseExpiry(id);
        leases.reap(P, 10, 2);
        assertThat(leases.markSuspect(claimOne(SHORT_LEASE, "w2"))).isTrue();
        awaitLeaseExpiry(id);

        assertThat(leases.reap(P, 10, 2)).isEqualTo(new Leases.Reaped(0, 1, List.of(id)));

        assertThat(raw.stat("dead")).isEqualTo(1);
        long deadPerMinute =
                queues.perMinute(Q, 2).stream().mapToLong(m -> m.get("dead")).sum();
        assertThat(deadPerMinute).isEqualTo(1);
    }

    @Test
    void reapTakesOnlyExpiredLeasesUpToItsLimit() {
        for (int i = 0; i < 3; i++) enqueue(i);
        List<ClaimedJob> expiring = leases.claim(P, 3, SHORT_LEASE, "w").jobs();
        String live = enqueue(9);
        claimOne(LONG_LEASE, "w");
        expiring.forEach(j -> awaitLeaseExpiry(j.id()));

        Leases.Reaped first = leases.reap(P, 2, 5);
        Leases.Reaped second = leases.reap(P, 2, 5);

        assertThat(first.requeued()).isEqualTo(2);
        assertThat(second.requeued()).isEqualTo(1);
        assertThat(leases.reap(P, 2, 5).ids()).isEmpty();
        assertThat(raw.active()).containsOnlyKeys(live);
        assertThat(raw.pending()).hasSize(3);
    }

    @Test
    void renewExtendsTheDeadlineSoALiveLeaseIsNeverReaped() {
        String id = enqueue(1);
        ClaimedJob job = claimOne(SHORT_LEASE, "w1");
        long firstDeadline = raw.score(RawQueue.Place.ACTIVE, id).longValue();

        long before = redis.serverTimeMs();
        assertThat(leases.renew(P, Duration.ofSeconds(10), Map.of(id, job.token())))
                .isEmpty();
        long after = redis.serverTimeMs();

        long renewed = raw.score(RawQueue.Place.ACTIVE, id).longValue();
        assertThat(renewed).isBetween(before + 10_000, after + 10_000);
        awaitServerTimePast(firstDeadline + 20);
        assertThat(leases.reap(P, 10, 1).ids()).isEmpty();
        assertThat(raw.job(id)).containsEntry("state", "ACTIVE").containsEntry("token", Long.toString(job.token()));
        assertThat(raw.active()).containsOnlyKeys(id);
    }

    @Test
    void renewTellsTheWorkerWhichJobsItNoLongerOwns() {
        String cancelled = enqueue(1);
        String reaped = enqueue(2);
        String kept = enqueue(3);
        ClaimedJob c = claimOne(LONG_LEASE, "w1");
        ClaimedJob r = claimOne(SHORT_LEASE, "w1");
        ClaimedJob k = claimOne(LONG_LEASE, "w1");
        assertThat(List.of(c.id(), r.id(), k.id())).containsExactly(cancelled, reaped, kept);
        store.cancel(Q, cancelled);
        awaitLeaseExpiry(reaped);
        leases.reap(P, 10, 5);

        Map<String, String> notRenewed = leases.renew(
                P, LONG_LEASE, Map.of(cancelled, c.token(), reaped, r.token(), kept, k.token(), "gone", 1L));

        assertThat(notRenewed)
                .containsExactlyInAnyOrderEntriesOf(Map.of(cancelled, "cancelled", reaped, "lost", "gone", "lost"));
        assertThat(raw.active()).containsOnlyKeys(kept);
        assertThat(raw.state(reaped)).isEqualTo(JobState.QUEUED);

        // claimed again by another worker: still lost for the first
        ClaimedJob other = claimOne(LONG_LEASE, "w2");
        assertThat(other.id()).isEqualTo(reaped);
        assertThat(leases.renew(P, LONG_LEASE, Map.of(reaped, r.token()))).containsEntry(reaped, "lost");
        assertThat(leases.renew(P, LONG_LEASE, Map.of(reaped, other.token()))).isEmpty();
    }

    @Test
    void releaseHandsTheJobBackToTheClaimEndWithoutSpendingAnAttempt() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        String older = enqueue(2);

        leases.release(job, Duration.ZERO);

        assertThat(raw.pending()).containsExactly(older, id);
        assertThat(raw.job(id))
                .containsEntry("state", "QUEUED")
                .containsEntry("attempts", "0")
                .containsEntry("closedToken", Long.toString(job.token()));
        assertThat(raw.active()).isEmpty();
        ClaimedJob again = claimOne();
        assertThat(again.id()).isEqualTo(id);
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(again.record().errors()).isEmpty();
    }

    @Test
    void releaseWithADelaySchedulesTheJob() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        long before = redis.serverTimeMs();

        leases.release(job, Duration.ofSeconds(30));

        long due = raw.score(RawQueue.Place.SCHEDULED, id).longValue();
        assertThat(due).isBetween(before + 30_000, redis.serverTimeMs() + 30_000);
        assertThat(raw.placesOf(id)).containsExactly(RawQueue.Place.SCHEDULED);
        assertThat(raw.job(id)).containsEntry("state", "SCHEDULED").containsEntry("attempts", "0");
    }

    @Test
    void reapLeavesJobsThatAreNoLongerActive() {
        String id = enqueue(1);
        ClaimedJob job = claimOne(SHORT_LEASE, "w1");
        leases.ack(P, List.of(new Leases.Ack(id, job.token(), null)));
        awaitServerTimePast(redis.serverTimeMs() + 60);
        assertThat(leases.reap(P, 10, 1).ids()).isEmpty();
        assertThat(raw.state(id)).isEqualTo(JobState.SUCCEEDED);
        assertThat(raw.stat("orphansRecovered")).isZero();
    }
}
