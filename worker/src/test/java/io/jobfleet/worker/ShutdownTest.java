package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.Executions.Execution;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM on a real worker JVM: it stops claiming, lets jobs that fit in the grace period finish,
 * hands the rest back to pending without spending their attempt, and exits.
 */
@Tag("slow")
class ShutdownTest extends WorkerTestBase {
    private static final String Q = "shutdown";

    @Test
    void sigtermFinishesShortJobsAndHandsBackLongOnesUnspent() {
        List<String> shortJobs = enqueueMany(Q, "slow", ms(800), 4);
        List<String> longJobs = enqueueMany(Q, "slow", ms(4_000), 4);
        List<String> all = new ArrayList<>(shortJobs);
        all.addAll(longJobs);
        int exit;
        try (ChildWorker child = ChildWorker.start(
                server.url(), "graceful", "--queues", Q, "--concurrency", "8", "--grace-ms", "2000")) {
            Await.until(
                    Duration.ofSeconds(30),
                    "all 8 jobs to start",
                    () -> Executions.starts(redis).size() == 8);
            // every slot is busy, so these wait in pending; after SIGTERM nothing new may be claimed
            List<String> waiting = enqueueMany(Q, "slow", ms(100), 3);
            all.addAll(waiting);
            child.terminate();
            exit = child.waitForExit(Duration.ofSeconds(30));
            System.out.println("ShutdownTest: worker process exited with " + exit);
            assertThat(exit).as("exit status after SIGTERM").isEqualTo(143);
            assertThat(child.said("4 jobs handed back")).isTrue();

            for (String id : shortJobs) {
                JobRecord r = job(Q, id);
                assertThat(r.state()).isEqualTo(JobState.SUCCEEDED);
                assertThat(r.attempts()).isEqualTo(1);
            }
            for (String id : longJobs) {
                JobRecord r = job(Q, id);
                assertThat(r.state()).as("long job %s", id).isEqualTo(JobState.QUEUED);
                assertThat(r.attempts()).as("attempt not spent").isZero();
                assertThat(r.errors()).isEmpty();
            }
            for (String id : waiting) {
                assertThat(job(Q, id).state()).isEqualTo(JobState.QUEUED);
                assertThat(job(Q, id).attempts()).isZero();
                assertThat(Executions.starts(redis, id))
                        .as("never claimed after SIGTERM")
                        .isEmpty();
            }
            List<String> pending = TestRedis.raw(redis, j -> j.lrange(Keys.of(Q).pending(), 0, -1));
            assertThat(pending).containsExactlyInAnyOrderElementsOf(concat(longJobs, waiting));
            assertThat(counts(Q).active()).isZero();
        }

        startWorker(config("successor", Q).concurrency(8).build(), TestHandlers.standard(redis, "successor"));
        Await.until(Duration.ofSeconds(30), "the successor to finish every job", () -> settled(Q));
        for (String id : all) {
            JobRecord r = job(Q, id);
            assertThat(r.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(r.attempts()).as("attempts of %s", id).isEqualTo(1);
        }
        for (String id : longJobs) {
            assertThat(Executions.starts(redis, id))
                    .extracting(Execution::workerId)
                    .containsExactly("graceful", "successor");
            assertThat(job(Q, id).result().path("worker").asText()).isEqualTo("successor");
        }
        for (String id : shortJobs) {
            assertThat(Executions.starts(redis, id))
                    .extracting(Execution::workerId)
                    .containsExactly("graceful");
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
