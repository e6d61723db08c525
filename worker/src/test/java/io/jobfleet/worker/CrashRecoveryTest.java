package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.Executions.Execution;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real worker JVMs killed with SIGKILL: their jobs come back within the lease bound, and poison jobs end in the DLQ. */
@Tag("slow")
class CrashRecoveryTest extends WorkerTestBase {
    /** DESIGN, guarantee 3: with default settings a dead worker's jobs are back in pending within 15 s. */
    private static final long RECOVERY_BOUND_MS = 15_000;

    @Test
    void jobsOfAKilledWorkerAreRunByAnotherWithinTheBound() {
        String q = "crash";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) ids.add(enqueue(NewJob.of(q, "slow", ms(2_000))));
        long killedAt;
        // default lease (10 s), renewal (1 s) and reaping (1 s) on both workers
        try (ChildWorker victim = ChildWorker.start(server.url(), "victim", "--queues", q, "--concurrency", "4")) {
            Await.until(
                    Duration.ofSeconds(30),
                    "the victim to start all 4 jobs",
                    () -> Executions.starts(redis).size() == 4);
            victim.kill();
            killedAt = System.currentTimeMillis();
        }
        assertThat(ids).allMatch(id -> job(q, id).state() == JobState.ACTIVE);
        assertThat(ids).allMatch(id -> "victim".equals(job(q, id).worker()));

        startWorker(
                WorkerConfig.builder().id("rescuer").queues(q).concurrency(4).build(),
                TestHandlers.standard(redis, "rescuer"));
        Await.until(Duration.ofSeconds(40), "the rescuer to finish every job", () -> ids.stream()
                .allMatch(id -> job(q, id).state() == JobState.SUCCEEDED));

        for (String id : ids) {
            List<Execution> runs = Executions.starts(redis, id);
            assertThat(runs).extracting(Execution::workerId).containsExactly("victim", "rescuer");
            long recoveryMs = runs.get(1).atMs() - killedAt;
            System.out.printf("CrashRecoveryTest: job %s re-claimed %d ms after SIGKILL%n", id, recoveryMs);
            assertThat(recoveryMs).isBetween(0L, RECOVERY_BOUND_MS);
            JobRecord record = job(q, id);
            assertThat(record.attempts()).isEqualTo(2);
            assertThat(record.worker()).isEqualTo("rescuer");
            assertThat(record.result().path("worker").asText()).isEqualTo("rescuer");
            assertThat(record.errors()).singleElement().satisfies(e -> {
                assertThat(e.errorClass()).isEqualTo("jobfleet.LeaseExpired");
                assertThat(e.worker()).isEqualTo("victim");
                assertThat(e.attempt()).isEqualTo(1);
            });
        }
        assertThat(queues.stats(q)).containsEntry("orphansRecovered", "4").containsEntry("succeeded", "4");
    }

    @Test
    void aJobThatKillsEveryWorkerEndsDeadAsPoisonAndTheRestComplete() {
        String q = "poison";
        String poison = enqueue(NewJob.of(q, "crash", payload()));
        List<String> normal = enqueueMany(q, "record", payload(), 20);
        int crashed = 0;
        List<ChildWorker> children = new ArrayList<>();
        try {
            ChildWorker survivor = null;
            for (int round = 1; round <= 6 && survivor == null; round++) {
                // four slots: the first crashes take innocent jobs down with the poison job; a job one expiry
                // short of the limit runs alone, so only the poison job reaches the limit.
                // A 1 s lease keeps each round short
                ChildWorker child = ChildWorker.launch(
                        server.url(),
                        "round" + round,
                        "--queues",
                        q,
                        "--concurrency",
                        "4",
                        "--lease-ms",
                        "1000",
                        "--renew-ms",
                        "300",
                        "--reap-ms",
                        "200");
                children.add(child);
                Await.until(
                        Duration.ofSeconds(60),
                        "round " + round + " to crash or to bury the poison job",
                        () -> !child.isAlive() || job(q, poison).state() == JobState.DEAD);
                if (child.isAlive()) {
                    survivor = child;
                } else {
                    assertThat(child.waitForExit(Duration.ofSeconds(5))).isEqualTo(137);
                    crashed++;
                }
            }
            assertThat(survivor).as("a worker that outlives the poison job").isNotNull();
            Await.until(Duration.ofSeconds(30), "the normal jobs to complete", () -> settled(q));
        } finally {
            children.forEach(ChildWorker::close);
        }

        JobRecord dead = job(q, poison);
        System.out.printf(
                "CrashRecoveryTest: poison job dead after %d crashed workers: %s%n", crashed, dead.deadReason());
        assertThat(dead.state()).isEqualTo(JobState.DEAD);
        assertThat(dead.deadReason()).startsWith("poison");
        assertThat(dead.expiries()).isEqualTo(WorkerConfig.DEFAULT_POISON_LIMIT);
        assertThat(crashed).isEqualTo(WorkerConfig.DEFAULT_POISON_LIMIT);
        assertThat(Executions.starts(redis, poison)).hasSize(WorkerConfig.DEFAULT_POISON_LIMIT);
        assertThat(dead.errors()).extracting(AttemptError::errorClass).containsOnly("jobfleet.LeaseExpired");
        Double diedAt = TestRedis.raw(redis, j -> j.zscore(Keys.of(q).dead(), poison));
        assertThat(diedAt).as("in the dead zset").isNotNull();

        Map<String, Long> runs = Executions.startsByJob(redis);
        int caughtInTheFirstCrash = 0;
        for (String id : normal) {
            JobRecord record = job(q, id);
            assertThat(record.state()).as("innocent job %s", id).isEqualTo(JobState.SUCCEEDED);
            assertThat(record.expiries())
                    .as("innocent job %s runs alone at its last chance", id)
                    .isLessThan(WorkerConfig.DEFAULT_POISON_LIMIT);
            if (record.expiries() > 0) caughtInTheFirstCrash++;
            assertThat(runs.get(id)).isBetween(1L, (long) WorkerConfig.DEFAULT_POISON_LIMIT);
        }
        System.out.printf(
                "CrashRecoveryTest: %d innocent jobs were killed with the poison job at least once, none died%n",
                caughtInTheFirstCrash);
        assertThat(caughtInTheFirstCrash)
                .as("the first crash took innocent jobs with it (4 slots)")
                .isPositive();
    }
}
