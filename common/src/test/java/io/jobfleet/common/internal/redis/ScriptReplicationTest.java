package io.jobfleet.common.internal.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.WorkerInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * L7: every script reads the server clock (TIME) or appends to an event stream (XADD *) and then
 * writes. On Redis 6.x with {@code lua-replicate-commands no} such a script is refused ("Write
 * commands not allowed after non deterministic commands") unless it first calls
 * {@code redis.replicate_commands()}; on 7.x that call does nothing and the option is ignored.
 * This runs every script, on watched jobs, on a server started with the option off.
 */
@Tag("single-server") // its own server, started with an option
@RedisServerExtension.Args({"--lua-replicate-commands", "no"})
class ScriptReplicationTest extends RealRedisTest {

    @Test
    void everyScriptRunsWithScriptReplicationOff() {
        EventStore events = new EventStore(redis);
        for (int i = 1; i <= 4; i++) store.enqueue(NewJob.of(Q, "t", payload(i)).withId("j-" + i));
        store.enqueue(NewJob.of(Q, "t", null).withId("later").withDelay(Duration.ofMillis(1)));
        for (String id : List.of("j-1", "j-2", "j-3", "j-4", "later")) events.watch(Q, id);

        List<ClaimedJob> claimed =
                leases.claim(P, 4, Duration.ofMillis(30), "w").jobs();
        assertThat(claimed).extracting(ClaimedJob::id).containsExactlyInAnyOrder("j-1", "j-2", "j-3", "j-4");
        ClaimedJob first = byId(claimed, "j-1");
        assertThat(leases.renew(P, Duration.ofSeconds(30), Map.of(first.id(), first.token())))
                .isEmpty();
        assertThat(leases.recordStep(first, "s1", "1")).isTrue();
        assertThat(leases.progress(first, TextNode.valueOf("half"))).isTrue();
        leases.ack(P, List.of(new Leases.Ack(first.id(), first.token(), "\"ok\"")));
        leases.fail(byId(claimed, "j-2"), error(1, "x"), -1, 5, "dead");
        leases.release(byId(claimed, "j-3"), Duration.ZERO);
        awaitServerTimePast(raw.score(RawQueue.Place.ACTIVE, "j-4").longValue());
        assertThat(leases.reap(P, 10, 5).requeued()).isEqualTo(1);
        assertThat(leases.promote(P, 10).count()).isEqualTo(1);
        assertThat(store.cancel(Q, "later")).isEqualTo(JobState.QUEUED);
        assertThat(queues.requeue(Q, List.of("j-2"), true)).isEqualTo(1);
        new WorkerRegistry(redis).heartbeat(new WorkerInfo("w", "h", 1, Q, 1, 0, 0, 0, "1"), Duration.ofSeconds(5));

        assertThat(raw.state("j-1")).isEqualTo(JobState.SUCCEEDED);
        assertThat(raw.pending()).containsExactlyInAnyOrder("j-2", "j-3", "j-4");
        assertThat(events.after(Q, "j-1", "0", 10))
                .extracting(e -> e.fields().get("type"))
                .containsExactly("state", "progress", "state");
    }

    private static ClaimedJob byId(List<ClaimedJob> jobs, String id) {
        return jobs.stream().filter(j -> j.id().equals(id)).findFirst().orElseThrow();
    }
}
