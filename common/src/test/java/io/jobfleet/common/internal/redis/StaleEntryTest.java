package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.JobState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The batch scripts find ids in a list or zset and trust only the job hash: an id whose job is
 * gone or in another state (left behind by an operator, a restore, a bug) is dropped without
 * touching that job.
 */
class StaleEntryTest extends RealRedisTest {

    /** A job that finished, whose id is then planted where it no longer belongs. */
    private String succeededJob() {
        String id = enqueue(1);
        ClaimedJob job = claimOne();
        leases.ack(P, List.of(new Leases.Ack(id, job.token(), null)));
        return id;
    }

    @Test
    void claimDropsStaleIdsAndTakesTheNextRealJob() {
        String done = succeededJob();
        String real = enqueue(2);
        Map<String, String> doneHash = raw.job(done);
        TestRedis.raw(redis, j -> j.rpush(raw.keys().pending(), "missing", done));

        List<ClaimedJob> claimed = leases.claim(P, 1, LONG_LEASE, "w").jobs();

        assertThat(claimed).extracting(ClaimedJob::id).containsExactly(real);
        assertThat(raw.pending()).isEmpty();
        assertThat(raw.job(done)).isEqualTo(doneHash);
        assertThat(raw.exists(raw.keys().job("missing"))).isFalse();
        assertThat(raw.active()).containsOnlyKeys(real);
    }

    @Test
    void promoteDropsStaleIds() {
        String done = succeededJob();
        Map<String, String> doneHash = raw.job(done);
        TestRedis.raw(redis, j -> j.zadd(raw.keys().scheduled(), 1, done));
        TestRedis.raw(redis, j -> j.zadd(raw.keys().scheduled(), 2, "missing"));

        assertThat(leases.promote(P, 10)).isEqualTo(new Leases.Promoted(0, -1));

        assertThat(raw.scheduled()).isEmpty();
        assertThat(raw.pending()).isEmpty();
        assertThat(raw.job(done)).isEqualTo(doneHash);
        assertThat(raw.exists(raw.keys().job("missing"))).isFalse();
    }

    @Test
    void reapDropsStaleIds() {
        String done = succeededJob();
        Map<String, String> doneHash = raw.job(done);
        TestRedis.raw(redis, j -> j.zadd(raw.keys().active(), 1, done));
        TestRedis.raw(redis, j -> j.zadd(raw.keys().active(), 2, "missing"));

        assertThat(leases.reap(P, 10, 1)).isEqualTo(new Leases.Reaped(0, 0, List.of()));

        assertThat(raw.active()).isEmpty();
        assertThat(raw.pending()).isEmpty();
        assertThat(raw.job(done)).isEqualTo(doneHash);
        assertThat(raw.state(done)).isEqualTo(JobState.SUCCEEDED);
        assertThat(raw.stat("orphansRecovered")).isZero();
    }

    @Test
    void requeueAndPurgeDropStaleDeadEntries() {
        TestRedis.raw(redis, j -> j.zadd(raw.keys().dead(), 1, "missing"));
        assertThat(queues.requeue(Q, List.of("missing"), false)).isZero();
        assertThat(raw.dead()).isEmpty();
        TestRedis.raw(redis, j -> j.zadd(raw.keys().dead(), 1, "missing"));
        assertThat(queues.purge(Q, List.of("missing"))).isZero();
        assertThat(raw.dead()).isEmpty();
        assertThat(raw.stat("purged")).isZero();
    }
}
