package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.RedisServerExtension;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** enqueue, job show, job cancel and worker, run as processes against a real Redis; every failure is one line and an exit code. */
class CliIT {
    /** The class's own server, its data kept across tests. */
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.ownServer().keepData();

    @Test
    void aWaitingJobsPriorityChangesAndABadOneIsRefused() {
        Cli.Result enqueued = Cli.run("enqueue", "prio", "echo", "--redis-url", REDIS.url());
        String id = enqueued.stdout().trim();
        Cli.Result changed = Cli.run("job", "priority", "prio", id, "5", "--redis-url", REDIS.url());
        assertThat(changed.exitCode()).as(changed.stderr()).isZero();
        assertThat(changed.stdout()).contains("now has priority 5 (QUEUED)");
        Cli.Result shown = Cli.run("job", "show", "prio", id, "--redis-url", REDIS.url());
        assertThat(shown.stdout()).contains("\"priority\" : 5");
        Cli.Result bad = Cli.run("job", "priority", "prio", id, "12", "--redis-url", REDIS.url());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("PRIORITY must be 0-9");
    }

    @Test
    void enqueueShowAndCancel() throws Exception {
        Cli.Result enqueued = Cli.run(
                "enqueue", "cli", "echo", "--payload", "{\"a\":1}", "--delay", "1h", "--redis-url", REDIS.url());
        assertThat(enqueued.exitCode()).as(enqueued.stderr()).isZero();
        String id = enqueued.stdout().trim();
        assertThat(id).matches("[0-9a-z]{20}");

        Cli.Result shown = Cli.run(Map.of("JOBFLEET_REDIS_URL", REDIS.url()), "job", "show", "cli", id);
        assertThat(shown.exitCode()).isZero();
        assertThat(shown.stdout()).contains("\"state\" : \"SCHEDULED\"").contains("\"a\" : 1");

        Cli.Result cancelled = Cli.run("job", "cancel", "cli", id, "--redis-url", REDIS.url());
        assertThat(cancelled.exitCode()).isZero();
        assertThat(cancelled.stdout()).contains("cancelled (was SCHEDULED)");

        Cli.Result again =
                Cli.run("enqueue", "cli", "echo", "--idempotency-key", "k1", "--json", "--redis-url", REDIS.url());
        Cli.Result replay =
                Cli.run("enqueue", "cli", "echo", "--idempotency-key", "k1", "--json", "--redis-url", REDIS.url());
        assertThat(again.stdout()).contains("\"status\":\"CREATED\"");
        assertThat(replay.stdout()).contains("\"status\":\"REPLAYED\"");
        Cli.Result conflict = Cli.run(
                "enqueue",
                "cli",
                "echo",
                "--payload",
                "{\"other\":true}",
                "--idempotency-key",
                "k1",
                "--redis-url",
                REDIS.url());
        assertThat(conflict.exitCode()).isEqualTo(1);
        assertThat(conflict.stderr().strip())
                .startsWith("jobfleet: idempotency key 'k1' was already used")
                .doesNotContain("\n");
    }

    @Test
    void failuresAreOneLineWithTheDocumentedExitCode() throws Exception {
        Cli.Result noRedis = Cli.run("enqueue", "q", "t");
        assertThat(noRedis.exitCode()).isEqualTo(1);
        assertThat(noRedis.stderr().strip())
                .isEqualTo(
                        "jobfleet: no Redis URL: pass --redis-url or set JOBFLEET_REDIS_URL (e.g. redis://localhost:6379)");

        Cli.Result unreachable = Cli.run("job", "show", "q", "x", "--redis-url", "redis://127.0.0.1:1");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.stderr().strip())
                .startsWith("jobfleet: Redis at redis://127.0.0.1:1 is unreachable")
                .doesNotContain("\n");

        Cli.Result missing = Cli.run("job", "show", "q", "nope", "--redis-url", REDIS.url());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr().strip())
                .isEqualTo("jobfleet: no job 'nope' in queue 'q' (never enqueued, or expired after its retention)");

        Cli.Result badJson = Cli.run("enqueue", "q", "t", "--payload", "{nope", "--redis-url", REDIS.url());
        assertThat(badJson.exitCode()).isEqualTo(2);
        assertThat(badJson.stderr()).startsWith("jobfleet: --payload is not valid JSON");

        Cli.Result badDelay = Cli.run("enqueue", "q", "t", "--delay", "soon", "--redis-url", REDIS.url());
        assertThat(badDelay.exitCode()).isEqualTo(2);
        assertThat(badDelay.stderr()).contains("'soon' is not a duration");

        Cli.Result badQueue = Cli.run("enqueue", "Bad{q}", "t", "--redis-url", REDIS.url());
        assertThat(badQueue.exitCode()).isEqualTo(1);
        assertThat(badQueue.stderr().strip()).startsWith("jobfleet: queue name 'Bad{q}' is not valid");

        Cli.Result unknown = Cli.run("frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(2);
    }

    @Test
    void workerRunsJobsAndStopsGracefullyOnSigterm() throws Exception {
        Cli.Result enqueued = Cli.run("enqueue", "work", "echo", "--payload", "{\"x\":42}", "--redis-url", REDIS.url());
        String id = enqueued.stdout().trim();
        Process worker = new ProcessBuilder(
                        Cli.command("worker", "--queues", "work", "--metrics-port", "0", "--redis-url", REDIS.url()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            String state = "";
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline && !state.contains("SUCCEEDED")) {
                state = Cli.run("job", "show", "work", id, "--redis-url", REDIS.url())
                        .stdout();
                Thread.sleep(200);
            }
            assertThat(state).contains("\"state\" : \"SUCCEEDED\"").contains("\"result\" : {");
            worker.destroy();
            assertThat(worker.waitFor(30, TimeUnit.SECONDS))
                    .as("worker exits on SIGTERM")
                    .isTrue();
        } finally {
            worker.destroyForcibly();
        }
    }
}
