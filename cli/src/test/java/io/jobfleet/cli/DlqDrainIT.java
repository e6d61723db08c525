package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.TestRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The incident drain: 300,000 dead jobs, {@code jobfleet dlq requeue Q --all} in a 64 MB heap.
 * Every job ends in pending exactly once, also when the first run is killed (SIGKILL) or stopped
 * (SIGTERM) halfway and the command is simply run again. Prints the rate and the heap it used.
 */
@Tag("slow")
class DlqDrainIT {
    static final int JOBS = 300_000;
    static final String Q = "partner";
    static final String HEAP = "64m";

    EmbeddedRedis server;
    Redis redis;

    @BeforeEach
    void start() {
        server = TestRedis.start();
        redis = TestRedis.connect(server);
    }

    @AfterEach
    void stop() {
        redis.close();
        server.close();
    }

    @Test
    void requeueAllDrains300000DeadJobsInA64MbHeap(@TempDir Path dir) throws Exception {
        List<String> ids = DeadJobs.seedMany(redis, Q, JOBS);
        Path gc = dir.resolve("gc.log");

        long started = System.nanoTime();
        Cli.Result drain = Cli.run(
                GcLog.flags(gc, HEAP),
                Map.of("JOBFLEET_ACTOR", "drain-test"),
                Duration.ofMinutes(5),
                "dlq",
                "requeue",
                Q,
                "--all",
                "--redis-url",
                server.url());
        double seconds = (System.nanoTime() - started) / 1e9;

        assertThat(drain.exitCode()).as(drain.stderr()).isZero();
        assertDrained(ids);
        String last = drain.stderr().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).startsWith("requeued 300000/300000 (100%)");
        JsonNode audit = Json.read(Cli.ok("audit", "--json", "--limit", "1", "--redis-url", server.url())
                .stdout());
        assertThat(audit.get("action").asText()).isEqualTo("requeue");
        assertThat(audit.get("actor").asText()).isEqualTo("drain-test");
        assertThat(audit.get("count").asLong()).isEqualTo(JOBS);
        assertThat(audit.get("detail").get("all").asBoolean()).isTrue();

        GcLog heap = GcLog.read(gc);
        System.out.printf(
                "DRAIN dlq requeue --all: %d jobs in %.1f s as a process (JVM start included) = %.0f jobs/s;"
                        + " the CLI's own line: '%s'; -Xmx%s, %s%n",
                JOBS, seconds, JOBS / seconds, last, HEAP, heap);
    }

    @Test
    void killedHalfwayWithSigkillThenRunAgainEndsWithEveryJobPendingOnce(@TempDir Path dir) throws Exception {
        interruptHalfwayThenRunAgain(dir, true);
    }

    @Test
    void stoppedHalfwayWithSigtermThenRunAgainEndsWithEveryJobPendingOnce(@TempDir Path dir) throws Exception {
        interruptHalfwayThenRunAgain(dir, false);
    }

    private void interruptHalfwayThenRunAgain(Path dir, boolean kill) throws Exception {
        List<String> ids = DeadJobs.seedMany(redis, Q, JOBS);
        Process first = Cli.builder(List.of("-Xmx" + HEAP), "dlq", "requeue", Q, "--all", "--redis-url", server.url())
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (DeadJobs.pendingCount(redis, Q) < 100_000 && first.isAlive() && System.nanoTime() < deadline)
                Thread.sleep(2);
            assertThat(first.isAlive())
                    .as(
                            "the first run is still moving jobs when interrupted: %s",
                            Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8))
                    .isTrue();
            if (kill) first.destroyForcibly();
            else first.destroy();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            first.destroyForcibly();
        }

        // in between: each job moved or still dead, never both, never neither, never twice
        List<String> pending = DeadJobs.pending(redis, Q);
        Set<String> dead = DeadJobs.dead(redis, Q);
        Set<String> pendingSet = new HashSet<>(pending);
        assertThat(pendingSet).as("no job pushed twice").hasSize(pending.size());
        assertThat(pending.size()).as("interrupted halfway").isBetween(100_000, JOBS - 1);
        assertThat(pending.size() + dead.size()).isEqualTo(JOBS);
        Set<String> union = new HashSet<>(pendingSet);
        union.addAll(dead);
        assertThat(union).as("no job lost").isEqualTo(new HashSet<>(ids));
        assertThat(DeadJobs.otherThan(DeadJobs.field(redis, Q, pending, "state"), "QUEUED"))
                .isEmpty();
        assertThat(DeadJobs.otherThan(DeadJobs.field(redis, Q, List.copyOf(dead), "state"), "DEAD"))
                .isEmpty();
        System.out.printf(
                "INTERRUPTED by %s with %d of %d moved (exit %d); running it again%n",
                kill ? "SIGKILL" : "SIGTERM", pending.size(), JOBS, first.exitValue());

        Cli.Result again = Cli.run(
                List.of("-Xmx" + HEAP),
                Map.of(),
                Duration.ofMinutes(5),
                "dlq",
                "requeue",
                Q,
                "--all",
                "--redis-url",
                server.url());
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(again.stderr()).contains("requeued " + dead.size() + "/" + dead.size() + " (100%)");
        assertDrained(ids);
    }

    /** Every seeded job in pending exactly once and QUEUED; the dead set empty. */
    private void assertDrained(List<String> ids) throws Exception {
        List<String> pending = DeadJobs.pending(redis, Q);
        assertThat(pending).hasSize(JOBS);
        Set<String> distinct = new HashSet<>(pending);
        assertThat(distinct).as("each job once").hasSize(JOBS).isEqualTo(new HashSet<>(ids));
        assertThat(DeadJobs.deadCount(redis, Q)).isZero();
        assertThat(DeadJobs.otherThan(DeadJobs.field(redis, Q, ids, "state"), "QUEUED"))
                .isEmpty();
        assertThat(Long.parseLong(Cli.ok("queues", "depth", Q, "--redis-url", server.url())
                        .stdout()
                        .strip()))
                .isEqualTo(JOBS);
    }
}
