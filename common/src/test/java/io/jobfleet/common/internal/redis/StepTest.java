package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Steps: a finished step of a job is recorded once, so a retry after a crash can skip it. */
class StepTest extends RealRedisTest {

    @Test
    void recordedStepIsReturned() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        assertThat(leases.step(job, "charge")).isEmpty();

        assertThat(leases.recordStep(job, "charge", "{\"txn\":\"t-1\"}")).isTrue();

        assertThat(leases.step(job, "charge")).contains("{\"txn\":\"t-1\"}");
        assertThat(leases.step(job, "ship")).isEmpty();
        assertThat(TestRedis.hash(redis, raw.keys().steps(id)))
                .containsExactly(Map.entry("charge", "{\"txn\":\"t-1\"}"));
    }

    @Test
    void firstResultStays() {
        enqueue(1);
        ClaimedJob job = claimOne();
        leases.recordStep(job, "charge", "\"first\"");

        assertThat(leases.recordStep(job, "charge", "\"second\"")).isTrue();

        assertThat(leases.step(job, "charge")).contains("\"first\"");
    }

    @Test
    void laterAttemptSeesStepsOfEarlierOnes() {
        String id = enqueue(1);
        ClaimedJob first = claimOne();
        leases.recordStep(first, "charge", "\"done\"");
        leases.fail(first, error(1, "crash after charging"), 0, 5, "dead");
        leases.promote(P, 10);

        ClaimedJob second = claimOne();
        assertThat(second.id()).isEqualTo(id);
        assertThat(leases.step(second, "charge")).contains("\"done\"");
        assertThat(leases.recordStep(second, "charge", "\"again\"")).isTrue();
        assertThat(leases.step(second, "charge")).contains("\"done\"");
    }

    @Test
    void staleTokenCannotRecord() {
        String id = enqueue(1);
        ClaimedJob stale = claimOne(Duration.ofMillis(30), "w1");
        awaitServerTimePast(raw.score(RawQueue.Place.ACTIVE, id).longValue());
        leases.reap(P, 10, 5);
        ClaimedJob owner = claimOne();

        assertThat(leases.recordStep(stale, "charge", "\"stale\"")).isFalse();
        assertThat(raw.exists(raw.keys().steps(id))).isFalse();
        assertThat(leases.recordStep(owner, "charge", "\"owner\"")).isTrue();
        assertThat(leases.step(stale, "charge")).contains("\"owner\"");
    }

    @Test
    void noStepsOnceTheJobIsNotRunning() {
        String id = enqueue(1);
        assertThat(leases.recordStep(holder(id), "s", "1")).isFalse();
        ClaimedJob job = claimOne();
        leases.ack(P, List.of(new Leases.Ack(id, job.token(), null)));
        assertThat(leases.recordStep(job, "s", "1")).isFalse();
        assertThat(raw.exists(raw.keys().steps(id))).isFalse();
    }

    @Test
    void stepsExpireWithTheSucceededJob() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        leases.recordStep(job, "s", "1");
        assertThat(raw.pttl(raw.keys().steps(id))).isEqualTo(-1);

        leases.ack(P, List.of(new Leases.Ack(id, job.token(), null)));

        long finished = Retention.DEFAULT.finished().toMillis();
        assertThat(raw.pttl(raw.keys().steps(id))).isBetween(finished - 10_000, finished);
    }
}
