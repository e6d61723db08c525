package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Numeric priorities (issue 14): jobs of priorities 0, 5 and 9 enqueued interleaved while no
 * worker runs are drained by one worker of one slot in priority order, FIFO within a level; and
 * aging: a priority-9 job that has waited longer than 9 aging steps goes before fresh
 * priority-0 jobs. Its age is written into Redis (its enqueue time and its score), not waited for.
 */
class PriorityTest extends FlowTestBase {
    private static final String Q = "prio";
    /** The spec's aging: a waiting job's score is its enqueue time plus its priority times this. */
    private static final long AGING_STEP_MS = 60_000;

    @Test
    void drainedByPriorityThenFifo() {
        int[] levels = {9, 0, 5};
        List<String> keys = new ArrayList<>();
        enqueue(30, i -> {
            int priority = levels[i % 3];
            keys.add(priority + "-" + i);
            return job(Q, "F", priority + "-" + i, 0).withPriority(priority);
        });
        launchFlow("w1", "--queues", Q, "--concurrency", "1", "--types", "F").awaitReady(Duration.ofSeconds(60));

        List<String> order = startOrder(30);
        List<String> expected = new ArrayList<>(keys);
        expected.sort(Comparator.comparingInt(PriorityTest::priority)); // stable: FIFO within a level
        System.out.println("FLOW priorities: start order " + order);
        assertThat(order).isEqualTo(expected);
    }

    @Test
    void aLongWaitingLowPriorityJobGoesBeforeFreshHighPriorityOnes() {
        String old = enqueue(1, i -> job(Q, "F", "old-9", 0).withPriority(9)).get(0);
        long enqueuedAt = redisNowMs() - 11 * AGING_STEP_MS; // waited 11 steps: past its 9
        TestRedis.raw(redis, j -> {
            j.hset(Keys.of(Q).job(old), "enqueuedAt", Long.toString(enqueuedAt));
            return j.zadd(Keys.of(Q).prioritized(), enqueuedAt + 9 * AGING_STEP_MS, old);
        });
        enqueue(5, i -> job(Q, "F", "0-fresh-" + i, 0));
        enqueue(3, i -> job(Q, "F", "9-fresh-" + i, 0).withPriority(9));
        launchFlow("w1", "--queues", Q, "--concurrency", "1", "--types", "F").awaitReady(Duration.ofSeconds(60));

        List<String> order = startOrder(9);
        System.out.println("FLOW aging: start order " + order);
        assertThat(order)
                .containsExactly(
                        "old-9",
                        "0-fresh-0",
                        "0-fresh-1",
                        "0-fresh-2",
                        "0-fresh-3",
                        "0-fresh-4",
                        "9-fresh-0",
                        "9-fresh-1",
                        "9-fresh-2");
    }

    private List<String> startOrder(int count) {
        return awaitLines(Duration.ofSeconds(60), count, l -> !l.end()).stream()
                .map(FlowHistory.Line::key)
                .toList();
    }

    private static int priority(String key) {
        return Integer.parseInt(key.substring(0, key.indexOf('-')));
    }
}
