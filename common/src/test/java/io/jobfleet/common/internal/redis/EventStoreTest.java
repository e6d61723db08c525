package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.ClaimedJob;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What watching a job leaves in Redis, and how a waiting job's position is counted. */
class EventStoreTest extends RealRedisTest {

    private boolean watched(String id) {
        return TestRedis.raw(redis, j -> j.sismember(raw.keys().watched(), id));
    }

    /** L2: no transition will ever remove a finished job from the watched set, so it is never added. */
    @Test
    void watchingAFinishedJobLeavesNothingBehind() {
        EventStore events = new EventStore(redis);
        String succeeded = enqueue(1);
        ClaimedJob job = claimOne();
        leases.ack(P, List.of(new Leases.Ack(job.id(), job.token(), null)));
        String cancelled = enqueue(2);
        store.cancel(Q, cancelled);

        events.watch(Q, succeeded);
        events.watch(Q, cancelled);
        events.watch(Q, "no-such-job");

        assertThat(watched(succeeded)).isFalse();
        assertThat(watched(cancelled)).isFalse();
        assertThat(watched("no-such-job")).isFalse();
        assertThat(raw.exists(raw.keys().watched())).isFalse();
    }

    @Test
    void watchingAWaitingJobRecordsItsEventsUntilItFinishes() {
        EventStore events = new EventStore(redis);
        String id = enqueue(1);
        events.watch(Q, id);
        assertThat(watched(id)).isTrue();

        ClaimedJob job = claimOne();
        leases.ack(P, List.of(new Leases.Ack(job.id(), job.token(), null)));

        assertThat(events.after(Q, id, "0", 10))
                .extracting(e -> e.fields().get("state"))
                .containsExactly("ACTIVE", "SUCCEEDED");
        assertThat(watched(id)).isFalse();
    }

    /** L7: the position scan stops after a bounded number of jobs, and says "at least" beyond it. */
    @Test
    void positionIsExactNearTheHeadAndALowerBoundBeyondTheScan() {
        EventStore events = new EventStore(redis, 10);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 15; i++) ids.add(enqueue(i));

        assertThat(events.position(Q, ids.get(0))).contains(new EventStore.Position(0, false));
        assertThat(events.position(Q, ids.get(9))).contains(new EventStore.Position(9, false));
        assertThat(events.position(Q, ids.get(10))).contains(new EventStore.Position(10, true));
        assertThat(events.position(Q, ids.get(14))).contains(new EventStore.Position(10, true));

        ClaimedJob running = claimOne();
        assertThat(events.position(Q, running.id())).isEmpty();
        assertThat(events.position(Q, "no-such-job")).isEmpty();
    }
}
