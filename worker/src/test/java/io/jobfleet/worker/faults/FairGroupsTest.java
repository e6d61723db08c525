package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.QueueCounts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, must show 4: group X enqueues 100,000 jobs, then group Y 100, in batches, to a queue
 * one worker JVM of 10 slots drains. Groups are served round robin, so Y's jobs all start within
 * 5 s of their enqueue (the Redis clock on both ends), not after X's backlog.
 */
@Tag("slow")
class FairGroupsTest extends FlowTestBase {
    private static final String Q = "groups";
    private static final long WITHIN_MS = 5_000;

    @Test
    void aSmallGroupIsNotStuckBehindABigGroupsBacklog() {
        launchFlow("w1", "--queues", Q, "--concurrency", "10", "--types", "F").awaitReady(Duration.ofSeconds(60));
        long xFrom = System.currentTimeMillis();
        enqueue(100_000, i -> job(Q, "F", "x-" + i, 2).withGroup("X"));
        long xMs = System.currentTimeMillis() - xFrom;

        QueueCounts before = new QueueStore(redis).counts(Q);
        String xWaiting = TestRedis.raw(redis, j -> j.hget(Keys.of(Q).groups(), "X"));
        long yEnqueuedAt = redisNowMs();
        enqueue(100, i -> job(Q, "F", "y-" + i, 2).withGroup("Y"));
        List<FlowHistory.Line> yStarts =
                awaitLines(Duration.ofMinutes(3), 100, l -> !l.end() && l.key().startsWith("y-"));
        long xStartedBeforeLastY = FlowHistory.lines(history).stream()
                .filter(l -> !l.end() && l.key().startsWith("x-"))
                .count();
        long[] waits = yStarts.stream()
                .mapToLong(l -> l.startedAt() - yEnqueuedAt)
                .sorted()
                .toArray();
        System.out.printf(
                "FLOW fairness: 100,000 X jobs enqueued in %d ms; when Y enqueued: pending list %d, active %d, X waiting"
                        + " (groups hash) %s;"
                        + " Y's 100 started after p50 %d ms, max %d ms (Redis clock) while %d X jobs started%n",
                xMs,
                before.pending(),
                before.active(),
                xWaiting,
                waits[waits.length / 2],
                waits[waits.length - 1],
                xStartedBeforeLastY);
        assertThat(waits[waits.length - 1])
                .as("ms from Y's enqueue to its last start")
                .isLessThanOrEqualTo(WITHIN_MS);
    }
}
