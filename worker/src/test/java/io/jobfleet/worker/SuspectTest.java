package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Partition;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review M2: poison isolation killed an innocent job held as a suspect beside the job that really
 * crashed the worker, and a held suspect stopped its worker claiming until the longest job
 * running beside it ended.
 */
class SuspectTest extends WorkerTestBase {
    private static final String Q = "suspects";

    @Test
    void aSuspectHeldBesideAJobThatKillsTheWorkerIsNotMadePoison() {
        String poison = enqueue(NewJob.of(Q, "crash", payload()));
        String innocent = enqueue(NewJob.of(Q, "slow", ms(100)));
        // both have been caught in crashes before: the poison job once, the innocent one twice
        TestRedis.raw(redis, j -> j.hset(Keys.of(Q).job(poison), "expiries", "1"));
        TestRedis.raw(redis, j -> j.hset(Keys.of(Q).job(innocent), "expiries", "2"));

        // one worker claims both in one batch: the poison job runs, the innocent one is held as a suspect
        try (ChildWorker child = child("victim")) {
            assertThat(child.waitForExit(Duration.ofSeconds(60)))
                    .as("the crash job halts its JVM")
                    .isEqualTo(137);
        }
        Await.pause(2_200); // both leases run out
        leases.reap(Partition.parse(Q), 10, WorkerConfig.DEFAULT_POISON_LIMIT);
        assertThat(job(Q, innocent).state()).isEqualTo(JobState.QUEUED);
        assertThat(job(Q, innocent).expiries())
                .as("not blamed for a crash it was not running in")
                .isEqualTo(2);
        assertThat(job(Q, poison).state()).isEqualTo(JobState.QUEUED);
        assertThat(job(Q, poison).expiries()).isEqualTo(2);

        // now both are suspects: each runs alone; the poison job dies for its own crash, the other succeeds
        for (int round = 0;
                round < 6
                        && !(job(Q, poison).state() == JobState.DEAD
                                && job(Q, innocent).state() == JobState.SUCCEEDED);
                round++) {
            try (ChildWorker child = child("w" + round)) {
                Await.until(
                        Duration.ofSeconds(30),
                        "round " + round,
                        () -> !child.isAlive()
                                || (job(Q, innocent).state() == JobState.SUCCEEDED
                                        && counts(Q).pending() == 0
                                        && counts(Q).scheduled() == 0));
            }
            Await.pause(2_200);
            leases.reap(Partition.parse(Q), 10, WorkerConfig.DEFAULT_POISON_LIMIT);
        }
        assertThat(job(Q, poison).state()).isEqualTo(JobState.DEAD);
        assertThat(job(Q, poison).deadReason()).startsWith("poison");
        assertThat(job(Q, innocent).state()).isEqualTo(JobState.SUCCEEDED);
    }

    /** A worker JVM of 2 slots and a 2 s lease on the test's queue (1 s expired under a busy machine). */
    private ChildWorker child(String id) {
        return ChildWorker.launch(
                server.url(), id, "--queues", Q, "--concurrency", "2", "--lease-ms", "2000", "--renew-ms", "300");
    }

    @Test
    void aHeldSuspectDoesNotStopClaimingForAsLongAsALongJobBesideItRuns() {
        startWorker(config("w", Q).concurrency(2).build(), TestHandlers.standard(redis, "w"));
        String longJob = enqueue(NewJob.of(Q, "slow", ms(30_000)));
        Await.until(
                Duration.ofSeconds(10),
                "the long job to run",
                () -> job(Q, longJob).state() == JobState.ACTIVE);

        queues.pause(Q);
        String suspect = enqueue(NewJob.of(Q, "slow", ms(100)));
        TestRedis.raw(redis, j -> j.hset(Keys.of(Q).job(suspect), "expiries", "2"));
        List<String> others = enqueueMany(Q, "slow", ms(100), 3);
        queues.resume(Q);

        Await.until(
                Duration.ofSeconds(15),
                "the suspect and the jobs behind it to run while the long job still runs",
                () -> others.stream().allMatch(id -> job(Q, id).state() == JobState.SUCCEEDED));
        assertThat(job(Q, suspect).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job(Q, longJob).state()).isEqualTo(JobState.ACTIVE);
    }
}
