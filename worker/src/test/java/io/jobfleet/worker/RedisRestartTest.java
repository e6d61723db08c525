package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.job.JobState;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** kill -9 of the Redis server mid-run: workers ride out the outage, reconnect on their own, and lose no job. */
@Tag("slow")
class RedisRestartTest extends WorkerTestBase {
    private static final String Q = "restart";
    private static final int JOBS = 2_000;
    private OutageLog outageLog;

    @BeforeEach
    void captureOutageLog() {
        outageLog = new OutageLog();
    }

    @AfterEach
    void releaseOutageLog() {
        outageLog.close();
    }

    @Test
    void workersSurviveARedisCrashAndRestartWithNoJobLost() {
        List<String> ids = enqueueMany(Q, "record", ms(10), JOBS);
        // a short lease so claims whose reply died with the server come back quickly
        for (String id : List.of("r1", "r2")) {
            startWorker(
                    config(id, Q)
                            .concurrency(8)
                            .lease(Duration.ofSeconds(3))
                            .renewEvery(Duration.ofMillis(500))
                            .reapEvery(Duration.ofMillis(500))
                            .build(),
                    TestHandlers.standard(redis, id));
        }
        Await.until(
                Duration.ofSeconds(60),
                "a quarter of the jobs to run",
                () -> Executions.starts(redis).size() >= JOBS / 4);
        server.kill();
        long killedAt = System.nanoTime();
        Await.pause(2_000);
        server.restart();
        System.out.printf("RedisRestartTest: Redis down for %d ms%n", (System.nanoTime() - killedAt) / 1_000_000);

        Await.until(
                Duration.ofSeconds(90),
                "every job to succeed",
                () -> settled(Q)
                        && queues.stats(Q).getOrDefault("succeeded", "0").equals(Integer.toString(JOBS)));

        Map<String, Long> runs = Executions.startsByJob(redis);
        assertThat(runs.keySet()).containsAll(ids);
        long repeated = runs.values().stream().filter(n -> n > 1).count();
        System.out.printf("RedisRestartTest: %d jobs, %d of them ran more than once%n", JOBS, repeated);
        for (String id : ids) assertThat(job(Q, id).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(counts(Q).dead()).isZero();
        assertThat(queues.stats(Q)).containsEntry("succeeded", Integer.toString(JOBS));

        outageLog.messages().forEach(m -> System.out.println("RedisRestartTest: outage log: " + m));
        long down = outageLog.count("Redis is unavailable");
        long back = outageLog.count("Redis is back");
        // each worker logs the outage once when it starts and once when it ends
        assertThat(down).isEqualTo(2);
        assertThat(back).isEqualTo(2);
    }

    @Test
    void aStoppedWorkerDoesNotReportAnOutageWhenRedisGoesAwayAfterIt() {
        Worker worker = startWorker(config("quiet", Q).build(), TestHandlers.standard(redis, "quiet"));
        Await.pause(300); // idle: its queue waiter is blocked on Redis
        worker.stop();
        server.kill();
        try {
            Await.pause(500);
            assertThat(outageLog.messages()).isEmpty();
        } finally {
            server.restart();
        }
    }
}
