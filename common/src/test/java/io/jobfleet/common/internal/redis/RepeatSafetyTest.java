package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.FailOutcome;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.EnqueueResult.Status;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client retry after a lost reply runs a script a second time with the same arguments (Jedis
 * Cluster does this). Each script run twice must leave Redis as one run did: the second run
 * reports, it does not apply. (Claim is the exception by design: a repeat claims further jobs,
 * and a claim whose reply was lost is recovered by reap when its lease runs out.)
 */
class RepeatSafetyTest extends RealRedisTest {

    @Test
    void enqueueWithTheSameIdTwiceMakesOneJob() {
        NewJob job = job(1).withId("job-1");
        EnqueueResult first = store.enqueue(job);
        Map<String, String> once = raw.snapshot();

        EnqueueResult second = store.enqueue(job);

        assertThat(first).isEqualTo(new EnqueueResult("job-1", Status.CREATED));
        assertThat(second).isEqualTo(new EnqueueResult("job-1", Status.REPLAYED));
        assertThat(raw.snapshot()).isEqualTo(once);
        assertThat(raw.pending()).containsExactly("job-1");
    }

    @Test
    void enqueueBatchRunTwiceMakesEachJobOnce() {
        List<NewJob> batch = List.of(
                job(1).withId("a"),
                job(2).withId("b").withIdempotencyKey("kb"),
                job(3).withId("c").withDelay(Duration.ofHours(1)),
                job(4).withId("d").withHighPriority(true));
        store.enqueue(batch, 0);
        Map<String, String> once = raw.snapshot();

        List<EnqueueResult> again = store.enqueue(batch, 0);

        assertThat(again).extracting(EnqueueResult::status).containsOnly(Status.REPLAYED);
        assertThat(again).extracting(EnqueueResult::id).containsExactly("a", "b", "c", "d");
        assertThat(raw.snapshot()).isEqualTo(once);
    }

    @Test
    void sameIdReplaysEvenAfterTheJobMovedOn() {
        NewJob job = job(1).withId("job-1");
        store.enqueue(job);
        ClaimedJob claimed = claimOne();
        leases.ack(P, List.of(new Leases.Ack("job-1", claimed.token(), null)));

        assertThat(store.enqueue(job).status()).isEqualTo(Status.REPLAYED);
        assertThat(raw.state("job-1")).isEqualTo(JobState.SUCCEEDED);
        assertThat(raw.pending()).isEmpty();
    }

    @Test
    void cancelTwice() {
        String running = enqueue(1);
        assertThat(claimOne().id()).isEqualTo(running);
        String queued = enqueue(2);
        assertThat(store.cancel(Q, queued)).isEqualTo(JobState.QUEUED);
        assertThat(store.cancel(Q, running)).isEqualTo(JobState.ACTIVE);
        Map<String, String> once = raw.snapshot();

        assertThat(store.cancel(Q, queued)).isEqualTo(JobState.CANCELLED);
        assertThat(store.cancel(Q, running)).isEqualTo(JobState.CANCELLED);

        assertThat(raw.snapshot()).isEqualTo(once);
        assertThat(raw.stat("cancelled")).isEqualTo(2);
    }

    @Test
    void requeueTwice() {
        String id = enqueue(1);
        leases.fail(claimOne(), error(1, "x"), -1, 5, "dead");
        assertThat(queues.requeue(Q, List.of(id), true)).isEqualTo(1);
        Map<String, String> once = raw.snapshot();

        assertThat(queues.requeue(Q, List.of(id), true)).isZero();

        assertThat(raw.snapshot()).isEqualTo(once);
        assertThat(raw.pending()).containsExactly(id);
    }

    @Test
    void purgeTwice() {
        String id = enqueue(1);
        leases.fail(claimOne(), error(1, "x"), -1, 5, "dead");
        assertThat(queues.purge(Q, List.of(id))).isEqualTo(1);
        Map<String, String> once = raw.snapshot();

        assertThat(queues.purge(Q, List.of(id))).isZero();

        assertThat(raw.snapshot()).isEqualTo(once);
        assertThat(raw.stat("purged")).isEqualTo(1);
    }

    @Test
    void promoteTwice() {
        String id = store.enqueue(job(1).withDelay(Duration.ofMillis(20))).id();
        store.enqueue(job(2).withDelay(Duration.ofHours(1)));
        awaitServerTimePast(raw.score(RawQueue.Place.SCHEDULED, id).longValue());
        assertThat(leases.promote(P, 10).count()).isEqualTo(1);
        Map<String, String> once = raw.snapshot();

        assertThat(leases.promote(P, 10).count()).isZero();

        assertThat(raw.snapshot()).isEqualTo(once);
        assertThat(raw.pending()).containsExactly(id);
    }

    @Test
    void reapTwice() {
        String id = enqueue(1);
        claimOne(Duration.ofMillis(20), "w1");
        awaitServerTimePast(raw.score(RawQueue.Place.ACTIVE, id).longValue());
        assertThat(leases.reap(P, 10, 5).requeued()).isEqualTo(1);
        Map<String, String> once = raw.snapshot();

        assertThat(leases.reap(P, 10, 5)).isEqualTo(new Leases.Reaped(0, 0, List.of()));

        assertThat(raw.snapshot()).isEqualTo(once);
        assertThat(raw.job(id)).containsEntry("expiries", "1");
        assertThat(raw.stat("orphansRecovered")).isEqualTo(1);
    }

    @Test
    void ackTwice() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        List<Leases.Ack> ack = List.of(new Leases.Ack(id, job.token(), null));
        assertThat(leases.ack(P, ack)).containsExactly(ReportStatus.RECORDED);
        Map<String, String> once = raw.snapshot();

        assertThat(leases.ack(P, ack)).containsExactly(ReportStatus.REPEATED);

        assertThat(raw.snapshot()).isEqualTo(once);
    }

    @Test
    void failTwice() {
        String retried = enqueue(1);
        String dead = enqueue(2);
        List<ClaimedJob> jobs = leases.claim(P, 2, LONG_LEASE, "w").jobs();
        assertThat(leases.fail(jobs.get(0), error(1, "x"), 60_000, 5, "dead").kind())
                .isEqualTo(FailOutcome.Kind.RETRY);
        assertThat(leases.fail(jobs.get(1), error(1, "x"), -1, 5, "dead")).isEqualTo(FailOutcome.DEAD);
        Map<String, String> once = raw.snapshot();

        assertThat(leases.fail(jobs.get(0), error(1, "x"), 60_000, 5, "dead")).isEqualTo(FailOutcome.REPEATED);
        assertThat(leases.fail(jobs.get(1), error(1, "x"), -1, 5, "dead")).isEqualTo(FailOutcome.REPEATED);

        assertThat(raw.snapshot()).isEqualTo(once);
        assertThat(raw.placesOf(retried)).containsExactly(RawQueue.Place.SCHEDULED);
        assertThat(raw.placesOf(dead)).containsExactly(RawQueue.Place.DEAD);
    }

    @Test
    void releaseTwiceGivesTheAttemptBackOnce() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        leases.release(job, Duration.ZERO);
        Map<String, String> once = raw.snapshot();

        leases.release(job, Duration.ZERO);

        assertThat(raw.snapshot()).isEqualTo(once);
        assertThat(raw.job(id)).containsEntry("attempts", "0");
        assertThat(raw.pending()).containsExactly(id);
    }

    @Test
    void renewTwice() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        assertThat(leases.renew(P, LONG_LEASE, Map.of(id, job.token()))).isEmpty();
        assertThat(leases.renew(P, LONG_LEASE, Map.of(id, job.token()))).isEmpty();
        assertThat(raw.active()).containsOnlyKeys(id);
        assertThat(raw.job(id)).containsEntry("state", "ACTIVE");
    }

    @Test
    void progressAndStepTwice() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        var progress = TextNode.valueOf("50%");
        assertThat(leases.progress(job, progress)).isTrue();
        assertThat(leases.recordStep(job, "s", "1")).isTrue();
        Map<String, String> once = raw.snapshot();

        assertThat(leases.progress(job, progress)).isTrue();
        assertThat(leases.recordStep(job, "s", "1")).isTrue();

        assertThat(raw.snapshot()).isEqualTo(once);
        assertThat(raw.job(id)).containsEntry("progress", "\"50%\"");
    }
}
