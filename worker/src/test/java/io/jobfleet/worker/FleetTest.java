package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/** The cluster test: three workers share one queue of 10,000 jobs; with no faults each job runs exactly once. */
class FleetTest extends WorkerTestBase {
    private static final String Q = "fleet";
    private static final int JOBS = 10_000;

    @Test
    void threeWorkersRunTenThousandJobsExactlyOnce() {
        for (String id : List.of("w1", "w2", "w3")) {
            startWorker(config(id, Q).concurrency(16).build(), TestHandlers.standard(redis, id));
        }
        long started = System.nanoTime();
        List<String> ids = enqueueMany(Q, "record", payload(), JOBS);
        Await.until(Duration.ofMinutes(3), "the fleet to drain " + JOBS + " jobs", () -> settled(Q));
        System.out.printf(
                "FleetTest: %d jobs drained by 3 workers in %d ms%n", JOBS, (System.nanoTime() - started) / 1_000_000);

        Map<String, Long> runs = Executions.startsByJob(redis);
        assertThat(runs.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(runs.values()).allMatch(n -> n == 1L);
        Map<String, Long> byWorker = Executions.starts(redis).stream()
                .collect(Collectors.groupingBy(Executions.Execution::workerId, TreeMap::new, Collectors.counting()));
        System.out.println("FleetTest: jobs per worker " + byWorker);
        assertThat(byWorker).containsOnlyKeys("w1", "w2", "w3");

        assertThat(states(ids)).containsOnlyKeys(JobState.SUCCEEDED.name());
        QueueCounts c = counts(Q);
        assertThat(c.pending()).isZero();
        assertThat(c.active()).isZero();
        assertThat(c.scheduled()).isZero();
        assertThat(c.dead()).isZero();
        assertThat(queues.stats(Q)).containsEntry("succeeded", Integer.toString(JOBS));
        assertThat(queues.stats(Q)).doesNotContainKeys("retried", "dead", "orphansRecovered");
    }

    /** Job states counted, read in one pipeline. */
    private Map<String, Long> states(List<String> ids) {
        List<String> states = TestRedis.raw(redis, j -> {
            try (Pipeline p = (Pipeline) j.pipelined()) {
                List<Response<String>> replies = ids.stream()
                        .map(id -> p.hget(Keys.of(Q).job(id), "state"))
                        .toList();
                p.sync();
                return replies.stream().map(Response::get).toList();
            }
        });
        return states.stream()
                .collect(Collectors.groupingBy(s -> String.valueOf(s), TreeMap::new, Collectors.counting()));
    }
}
