package io.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.RedisServerExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every wrong argument exits 2 with one line saying what is wrong (and one line naming the
 * --help to read); every failure (Redis unreachable, a bad queue name, a missing job) exits 1
 * with one line. Never a stack trace.
 */
class CliErrorsIT {
    /** The class's own server, its data kept across tests. */
    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.ownServer().keepData();

    static final String NOWHERE = "redis://127.0.0.1:1";

    /** Exit 2: "jobfleet: <message>" and "Try 'jobfleet <command> --help'.", nothing else. */
    static void assertUsage(Cli.Result result, String message, String command) {
        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(2);
        assertThat(result.stdout()).isEmpty();
        assertThat(result.stderr().lines().toList())
                .as(result.stderr())
                .hasSize(2)
                .satisfies(lines -> assertThat(lines.get(0)).startsWith("jobfleet: " + message))
                .satisfies(lines -> assertThat(lines.get(1)).isEqualTo("Try '" + command + " --help'."));
    }

    /** Exit 1: one line on stderr, no stack trace. */
    static void assertFailure(Cli.Result result, String message) {
        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(1);
        assertThat(result.stderr().lines().toList()).as(result.stderr()).hasSize(1);
        assertThat(result.error()).startsWith("jobfleet: " + message).doesNotContain("Exception", "\tat ");
    }

    static Cli.Result run(String... args) throws Exception {
        List<String> withUrl = new ArrayList<>(List.of(args));
        withUrl.addAll(List.of("--redis-url", REDIS.url()));
        return Cli.run(withUrl.toArray(String[]::new));
    }

    @Test
    void unknownCommandsAndOptionsAndMissingArgumentsAreUsageErrors() throws Exception {
        assertUsage(Cli.run("frobnicate"), "Unmatched argument at index 0: 'frobnicate'", "jobfleet");
        assertUsage(Cli.run("dlq", "frobnicate"), "Unmatched argument at index 1: 'frobnicate'", "jobfleet dlq");
        assertUsage(run("dlq", "list", "q", "--bogus"), "Unknown option: '--bogus'", "jobfleet dlq list");
        assertUsage(run("queues", "depth"), "Missing required parameter: 'QUEUE'", "jobfleet queues depth");
        assertUsage(run("dlq", "list"), "Missing required parameter: 'QUEUE'", "jobfleet dlq list");
        assertUsage(run("dlq", "show", "q"), "Missing required parameter: 'ID'", "jobfleet dlq show");
        assertUsage(
                run("dlq", "list", "q", "--limit", "many"), "Invalid value for option '--limit'", "jobfleet dlq list");
        assertUsage(
                run("dlq", "export", "q", "--format", "xml"),
                "Invalid value for option '--format'",
                "jobfleet dlq export");
    }

    @Test
    void requeueAndPurgeRefuseAnUnclearSelection() throws Exception {
        String which =
                "say which dead jobs to %s: job ids, filters (--type, --error, --older-than, --min-attempts), or --all";
        assertUsage(run("dlq", "requeue", "q"), which.formatted("requeue"), "jobfleet dlq requeue");
        assertUsage(run("dlq", "purge", "q", "--yes"), which.formatted("purge"), "jobfleet dlq purge");
        assertUsage(
                run("dlq", "requeue", "q", "01abc", "--all"),
                "give job ids or filters/--all, not both",
                "jobfleet dlq requeue");
        assertUsage(
                run("dlq", "purge", "q", "01abc", "--type", "email", "--yes"),
                "give job ids or filters/--all, not both",
                "jobfleet dlq purge");
        assertUsage(
                run("dlq", "list", "q", "--older-than", "soon"),
                "Invalid value for option '--older-than': 'soon' is not a duration: use a number and a unit, e.g. 500ms, 30s, 5m, 2h, 7d",
                "jobfleet dlq list");
        assertUsage(
                run("dlq", "requeue", "q", "--all", "--older-than", "2 h"),
                "Invalid value for option '--older-than'",
                "jobfleet dlq requeue");
        assertUsage(
                run("dlq", "requeue", "q", "--all", "--rate", "0"),
                "--rate must be at least 1",
                "jobfleet dlq requeue");
        assertUsage(
                run("dlq", "requeue", "q", "--all", "--rate", "-5"),
                "--rate must be at least 1",
                "jobfleet dlq requeue");
    }

    @Test
    void purgeWithoutYesAndNoTerminalDeletesNothing() throws Exception {
        List<String> ids = DeadJobs.seedMany(REDIS.redis(), "keep", 5);
        assertUsage(
                run("dlq", "purge", "keep", "--all"),
                "purge deletes jobs for good: confirm with --yes (no terminal to ask on)",
                "jobfleet dlq purge");
        assertUsage(
                run("dlq", "purge", "keep", ids.get(0)),
                "purge deletes jobs for good: confirm with --yes (no terminal to ask on)",
                "jobfleet dlq purge");
        assertThat(DeadJobs.dead(REDIS.redis(), "keep")).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(DeadJobs.field(REDIS.redis(), "keep", ids, "state")).containsOnly("DEAD");
    }

    @Test
    void badQueueNamesAndMissingJobsAreFailures() throws Exception {
        String bad =
                "queue name 'Bad{q}' is not valid: use 1-64 of a-z, 0-9, '_', '.', '-', starting with a letter or digit";
        for (String[] args : List.of(
                new String[] {"dlq", "list", "Bad{q}"},
                new String[] {"dlq", "show", "Bad{q}", "x"},
                new String[] {"dlq", "requeue", "Bad{q}", "--all"},
                new String[] {"dlq", "requeue", "ok", "--all", "--to-queue", "Bad{q}"},
                new String[] {"dlq", "purge", "Bad{q}", "--all", "--yes"},
                new String[] {"dlq", "export", "Bad{q}"},
                new String[] {"queues", "stats", "Bad{q}"},
                new String[] {"queues", "depth", "Bad{q}"},
                new String[] {"queues", "pause", "Bad{q}"},
                new String[] {"job", "show", "Bad{q}", "x"},
                new String[] {"job", "cancel", "Bad{q}", "x"})) {
            assertFailure(run(args), bad);
        }
        assertFailure(
                run("job", "show", "q", "nope"),
                "no job 'nope' in queue 'q' (never enqueued, or expired after its retention)");
        assertFailure(run("job", "cancel", "q", "nope"), "no job 'nope' in queue 'q'");
        assertFailure(run("dlq", "show", "q", "nope"), "no job 'nope' in queue 'q'");
    }

    @Test
    void unreachableRedisIsOneLineForEveryCommandGroup() throws Exception {
        for (String[] args : List.of(
                new String[] {"dlq", "list", "q"},
                new String[] {"dlq", "list", "q", "--summary"},
                new String[] {"dlq", "show", "q", "x"},
                new String[] {"dlq", "requeue", "q", "--all"},
                new String[] {"dlq", "purge", "q", "--all", "--yes"},
                new String[] {"dlq", "export", "q"},
                new String[] {"queues", "list"},
                new String[] {"queues", "stats", "q"},
                new String[] {"queues", "depth", "q"},
                new String[] {"queues", "pause", "q"},
                new String[] {"queues", "resume", "q"},
                new String[] {"workers", "list"},
                new String[] {"audit"},
                new String[] {"job", "show", "q", "x"},
                new String[] {"job", "cancel", "q", "x"},
                new String[] {"enqueue", "q", "noop"})) {
            List<String> withUrl = new ArrayList<>(List.of(args));
            withUrl.addAll(List.of("--redis-url", NOWHERE));
            Cli.Result result = Cli.run(withUrl.toArray(String[]::new));
            assertFailure(result, "Redis at " + NOWHERE + " is unreachable");
            assertThat(result.stdout()).as(String.join(" ", args)).isEmpty();
        }
        assertFailure(
                Cli.run("queues", "list"),
                "no Redis URL: pass --redis-url or set JOBFLEET_REDIS_URL (e.g. redis://localhost:6379)");
    }
}
