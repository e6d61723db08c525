package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import io.jobfleet.common.error.StaleLeaseException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.FailOutcome;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.job.JobState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Guarantee 3, fenced ack: a worker whose lease ran out and whose job was claimed again cannot
 * record anything over the new owner. Reports repeated with the same token are answered, not
 * applied twice.
 */
class FencingTest extends RealRedisTest {

    /** Worker A's lease expires, the job is reaped and claimed by worker B with token 2. */
    private ClaimedJob[] staleAAndOwnerB() {
        String id = enqueue(1);
        ClaimedJob a = claimOne(Duration.ofMillis(50), "worker-a");
        assertThat(a.token()).isEqualTo(1);
        awaitServerTimePast(raw.score(RawQueue.Place.ACTIVE, id).longValue());
        assertThat(leases.reap(P, 10, 5).ids()).containsExactly(id);
        ClaimedJob b = claimOne(LONG_LEASE, "worker-b");
        assertThat(b.id()).isEqualTo(id);
        assertThat(b.token()).isEqualTo(2);
        assertThat(b.attempt()).isEqualTo(2);
        return new ClaimedJob[] {a, b};
    }

    private void assertOwnedByB(ClaimedJob b) {
        Map<String, String> hash = raw.job(b.id());
        assertThat(hash)
                .containsEntry("state", "ACTIVE")
                .containsEntry("worker", "worker-b")
                .containsEntry("token", "2")
                .doesNotContainKeys("result", "progress", "closedToken");
        assertThat(raw.placesOf(b.id())).containsExactly(RawQueue.Place.ACTIVE);
    }

    @Test
    void staleWorkerCannotRecordAnythingOverTheNewOwner() {
        ClaimedJob[] ab = staleAAndOwnerB();
        ClaimedJob a = ab[0];
        ClaimedJob b = ab[1];
        Map<String, String> statsBefore = raw.stats();
        double bDeadline = raw.score(RawQueue.Place.ACTIVE, b.id());

        assertThat(leases.ack(P, List.of(new Leases.Ack(a.id(), a.token(), "\"a's result\""))))
                .containsExactly(ReportStatus.STALE);
        assertThatThrownBy(() -> leases.fail(a, error(1, "a failed"), 0, 5, "dead"))
                .isInstanceOf(StaleLeaseException.class)
                .hasMessageContaining(a.id());
        assertThatThrownBy(() -> leases.fail(a, error(1, "a failed"), -1, 5, "dead"))
                .isInstanceOf(StaleLeaseException.class);
        assertThatThrownBy(() -> leases.release(a, Duration.ZERO)).isInstanceOf(StaleLeaseException.class);
        assertThatThrownBy(() -> leases.release(a, Duration.ofSeconds(5))).isInstanceOf(StaleLeaseException.class);
        assertThat(leases.progress(a, TextNode.valueOf("50%"))).isFalse();
        assertThat(leases.recordStep(a, "s1", "\"a\"")).isFalse();
        assertThat(leases.renew(P, LONG_LEASE, Map.of(a.id(), a.token()))).containsEntry(a.id(), "lost");

        assertOwnedByB(b);
        assertThat(raw.score(RawQueue.Place.ACTIVE, b.id())).isEqualTo(bDeadline);
        assertThat(raw.stats()).isEqualTo(statsBefore);
        assertThat(leases.step(b, "s1")).isEmpty();

        // the owner still can
        assertThat(leases.progress(b, TextNode.valueOf("50%"))).isTrue();
        assertThat(leases.ack(P, List.of(new Leases.Ack(b.id(), b.token(), "\"b's result\""))))
                .containsExactly(ReportStatus.RECORDED);
        assertThat(raw.job(b.id())).containsEntry("state", "SUCCEEDED").containsEntry("result", "\"b's result\"");
        // and a late report of A after B's success is still stale
        assertThat(leases.ack(P, List.of(new Leases.Ack(a.id(), a.token(), null))))
                .containsExactly(ReportStatus.STALE);
    }

    @Test
    void ackInABatchIsFencedPerJob() {
        ClaimedJob[] ab = staleAAndOwnerB();
        String other = enqueue(2);
        ClaimedJob fresh = claimOne();
        assertThat(fresh.id()).isEqualTo(other);

        List<ReportStatus> statuses = leases.ack(
                P,
                List.of(
                        new Leases.Ack(ab[0].id(), ab[0].token(), null),
                        new Leases.Ack(fresh.id(), fresh.token(), null),
                        new Leases.Ack("no-such-job", 1, null)));

        assertThat(statuses).containsExactly(ReportStatus.STALE, ReportStatus.RECORDED, ReportStatus.NOT_FOUND);
        assertOwnedByB(ab[1]);
        assertThat(raw.stat("succeeded")).isEqualTo(1);
    }

    @Test
    void repeatedAckWithTheSameTokenIsReportedNotReapplied() {
        enqueue(1);
        ClaimedJob job = claimOne();
        List<Leases.Ack> ack = List.of(new Leases.Ack(job.id(), job.token(), "\"r1\""));
        assertThat(leases.ack(P, ack)).containsExactly(ReportStatus.RECORDED);
        Map<String, String> after = raw.job(job.id());

        assertThat(leases.ack(P, ack)).containsExactly(ReportStatus.REPEATED);
        assertThat(leases.ack(P, List.of(new Leases.Ack(job.id(), job.token(), "\"r2\""))))
                .containsExactly(ReportStatus.REPEATED);

        assertThat(raw.job(job.id())).isEqualTo(after).containsEntry("result", "\"r1\"");
        assertThat(raw.stat("succeeded")).isEqualTo(1);
        assertThat(record(job.id()).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void repeatedFailWithTheSameTokenIsReportedNotReapplied() {
        enqueue(1);
        ClaimedJob job = claimOne();
        FailOutcome first = leases.fail(job, error(1, "boom"), 60_000, 5, "dead");
        assertThat(first.kind()).isEqualTo(FailOutcome.Kind.RETRY);
        Map<String, String> after = raw.job(job.id());
        Map<String, Double> scheduled = raw.scheduled();

        assertThat(leases.fail(job, error(1, "boom"), 60_000, 5, "dead")).isEqualTo(FailOutcome.REPEATED);
        assertThat(leases.fail(job, error(1, "boom"), -1, 5, "dead")).isEqualTo(FailOutcome.REPEATED);

        assertThat(raw.job(job.id())).isEqualTo(after);
        assertThat(raw.scheduled()).isEqualTo(scheduled);
        assertThat(record(job.id()).errors()).hasSize(1);
        assertThat(raw.stat("retried")).isEqualTo(1);
        assertThat(raw.stat("dead")).isZero();
    }

    @Test
    void wrongTokenOnALiveLeaseIsStale() {
        enqueue(1);
        ClaimedJob job = claimOne();
        ClaimedJob forged = new ClaimedJob(job.record(), job.token() + 1);
        assertThat(leases.ack(P, List.of(new Leases.Ack(job.id(), forged.token(), null))))
                .containsExactly(ReportStatus.STALE);
        assertThatThrownBy(() -> leases.fail(forged, error(1, "x"), 0, 5, "dead"))
                .isInstanceOf(StaleLeaseException.class);
        assertThat(leases.progress(forged, TextNode.valueOf("1"))).isFalse();
        assertThat(raw.state(job.id())).isEqualTo(JobState.ACTIVE);
    }

    @Test
    void tokensGrowWithEveryClaim() {
        String id = enqueue(1);
        ClaimedJob first = claimOne();
        leases.release(first, Duration.ZERO);
        ClaimedJob second = claimOne();
        assertThat(second.id()).isEqualTo(id);
        assertThat(second.token()).isEqualTo(first.token() + 1);
        // released without spending an attempt
        assertThat(second.attempt()).isEqualTo(1);
        // the first release run again (a client retry) is answered as done and leaves the new owner alone
        Map<String, String> owned = raw.job(id);
        leases.release(first, Duration.ZERO);
        assertThat(raw.job(id)).isEqualTo(owned).containsEntry("token", "2").containsEntry("attempts", "1");
        assertThat(raw.placesOf(id)).containsExactly(RawQueue.Place.ACTIVE);
        // any other report of the old token is refused
        assertThat(leases.ack(P, List.of(new Leases.Ack(id, first.token(), null))))
                .containsExactly(ReportStatus.STALE);
        assertThat(leases.progress(first, TextNode.valueOf("x"))).isFalse();
    }
}
