package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import io.jobfleet.common.error.IllegalTransitionException;
import io.jobfleet.common.error.JobCancelledException;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Guarantee 6: a queued, delayed or running job is cancelled at once, and never runs or retries after. */
class CancelTest extends RealRedisTest {

    private void assertCancelled(String id, JobState from) {
        JobRecord record = record(id);
        assertThat(record.state()).isEqualTo(JobState.CANCELLED);
        assertThat(record.cancelledFrom()).isEqualTo(from.name());
        assertThat(record.finishedAt()).isPositive();
        assertThat(raw.placesOf(id)).isEmpty();
        long ttl = raw.pttl(raw.keys().job(id));
        long finished = Retention.DEFAULT.finished().toMillis();
        assertThat(ttl).isBetween(finished - 10_000, finished);
    }

    @Test
    void queuedJobIsTakenOutOfPending() {
        String keep1 = enqueue(1);
        String id = enqueue(2);
        String keep2 = enqueue(3);
        assertThat(queues.depth(Q)).isEqualTo(3);

        assertThat(store.cancel(Q, id)).isEqualTo(JobState.QUEUED);

        assertThat(queues.depth(Q)).isEqualTo(2);
        assertThat(raw.pending()).containsExactly(keep2, keep1);
        assertCancelled(id, JobState.QUEUED);
        assertThat(leases.claim(P, 10, LONG_LEASE, "w").jobs())
                .extracting(ClaimedJob::id)
                .containsExactly(keep1, keep2);
        assertThat(raw.stat("cancelled")).isEqualTo(1);
    }

    @Test
    void scheduledJobIsTakenOutOfTheScheduledSet() {
        String id = store.enqueue(job(1).withDelay(Duration.ofMillis(30))).id();
        assertThat(store.cancel(Q, id)).isEqualTo(JobState.SCHEDULED);

        assertThat(raw.scheduled()).isEmpty();
        assertCancelled(id, JobState.SCHEDULED);
        awaitServerTimePast(redis.serverTimeMs() + 40);
        assertThat(leases.promote(P, 10).count()).isZero();
        assertThat(raw.pending()).isEmpty();
    }

    @Test
    void runningJobIsCancelledAndItsWorkerCannotRecordAnOutcome() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();

        assertThat(store.cancel(Q, id)).isEqualTo(JobState.ACTIVE);

        assertThat(raw.active()).isEmpty();
        assertCancelled(id, JobState.ACTIVE);
        assertThat(leases.renew(P, LONG_LEASE, Map.of(id, job.token()))).containsEntry(id, "cancelled");
        Map<String, String> cancelled = raw.job(id);
        assertThat(leases.ack(P, List.of(new Leases.Ack(id, job.token(), null))))
                .containsExactly(ReportStatus.CANCELLED);
        assertThatThrownBy(() -> leases.fail(job, error(1, "interrupted"), 0, 5, "dead"))
                .isInstanceOf(JobCancelledException.class)
                .hasMessageContaining(id);
        assertThatThrownBy(() -> leases.fail(job, error(1, "interrupted"), -1, 5, "dead"))
                .isInstanceOf(JobCancelledException.class);
        assertThatThrownBy(() -> leases.release(job, Duration.ZERO)).isInstanceOf(JobCancelledException.class);
        assertThat(leases.progress(job, TextNode.valueOf("x"))).isFalse();
        assertThat(leases.recordStep(job, "s", "1")).isFalse();
        assertThat(raw.job(id)).isEqualTo(cancelled);
        assertThat(raw.placesOf(id)).isEmpty();
        assertThat(raw.stat("retried") + raw.stat("dead") + raw.stat("succeeded"))
                .isZero();
    }

    @Test
    void cancellingTwiceAnswersCancelled() {
        String id = enqueue(1);
        store.cancel(Q, id);
        Map<String, String> once = raw.job(id);

        assertThat(store.cancel(Q, id)).isEqualTo(JobState.CANCELLED);

        assertThat(raw.job(id)).isEqualTo(once);
        assertThat(raw.stat("cancelled")).isEqualTo(1);
    }

    @Test
    void finishedJobsCannotBeCancelled() {
        String succeeded = enqueue(1);
        ClaimedJob job = claimOne();
        leases.ack(P, List.of(new Leases.Ack(succeeded, job.token(), null)));
        String dead = enqueue(2);
        leases.fail(claimOne(), error(1, "x"), -1, 5, "dead");

        assertThatThrownBy(() -> store.cancel(Q, succeeded))
                .isInstanceOfSatisfying(IllegalTransitionException.class, e -> {
                    assertThat(e.current()).isEqualTo(JobState.SUCCEEDED);
                    assertThat(e.getMessage()).contains(succeeded).contains("SUCCEEDED");
                });
        assertThatThrownBy(() -> store.cancel(Q, dead))
                .isInstanceOfSatisfying(IllegalTransitionException.class, e -> assertThat(e.current())
                        .isEqualTo(JobState.DEAD));
        assertThat(raw.state(succeeded)).isEqualTo(JobState.SUCCEEDED);
        assertThat(raw.placesOf(dead)).containsExactly(RawQueue.Place.DEAD);
        assertThat(raw.stat("cancelled")).isZero();
    }

    @Test
    void unknownJobIsNotFound() {
        assertThatThrownBy(() -> store.cancel(Q, "nope"))
                .isInstanceOf(JobNotFoundException.class)
                .hasMessageContaining("'nope'")
                .hasMessageContaining("'q1'");
        assertThat(raw.dbSize()).isZero();
    }

    @Test
    void cancelledJobsStepsExpireWithIt() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        assertThat(leases.recordStep(job, "charge", "{\"ok\":true}")).isTrue();

        store.cancel(Q, id);

        long ttl = raw.pttl(raw.keys().steps(id));
        assertThat(ttl).as("TTL of the steps hash").isPositive();
        assertThat(ttl).isLessThanOrEqualTo(Retention.DEFAULT.finished().toMillis());
    }
}
