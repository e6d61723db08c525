package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.faults.HistoryChecker.Run;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;

/**
 * Fault 8: Redis memory full mid-load. Once a backlog has built up, {@code CONFIG SET maxmemory}
 * to just above {@code used_memory} (the policy is noeviction) for 12 s, then lifted. Enqueues
 * are refused with an OOM error (the producers' tries fail and are retried under their keys);
 * the workers go on claiming and acking the backlog through the whole window, because the claim,
 * ack and renew scripts start with a removal; their output has no stack trace. After the window
 * the refused enqueues go through, and nothing acknowledged is lost or stuck.
 */
@Tag("slow")
@SuppressWarnings("deprecation") // raw commands (CONFIG, DEBUG, CLUSTER) through sendCommand
class MaxMemoryTest extends FaultTestBase {
    private static final String Q = "oom";
    private static final long BACKLOG = 400;
    private static final long WINDOW_MS = 12_000;
    private static final long HEADROOM_BYTES = 64 * 1024;

    @Test
    void fullRedisRefusesEnqueuesWhileWorkersDrainTheBacklog() {
        // 2 x 2 slots, jobs of 0..400 ms: about 20 jobs/s, slower than the producers, so a backlog builds
        String[] options = opts(
                "--queues", Q, "--concurrency", "2", "--lease-ms", "3000", "--renew-ms", "500", "--reap-ms", "500");
        List<ChildWorker> fleet = List.of(launch("m1", options), launch("m2", options));
        fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));
        QueueStore queues = new QueueStore(redis);

        long[] marks = new long[4]; // window start, two thirds, end (epoch ms)
        long[] succeeded = new long[4];
        long refusedTriesBefore;
        long[] refused = new long[4]; // producers' U and A lines at the same marks
        long[] acked = new long[4];
        String usedAtStart;
        String usedAtEnd;
        String refusal;
        try (Producers load =
                new Producers(store, Q, history, Duration.ofMillis(20), Producers.durations(400, 0, 0)).start(2)) {
            Await.until(
                    Duration.ofSeconds(60),
                    "a backlog of " + BACKLOG + " jobs",
                    () -> queues.counts(Q).pending() >= BACKLOG);
            refusedTriesBefore = producerLines("U");
            usedAtStart = redis.info("memory", "used_memory");
            config("maxmemory", Long.toString(Long.parseLong(usedAtStart) + HEADROOM_BYTES));
            try {
                refusal = awaitRefusal();
                marks[0] = System.currentTimeMillis();
                succeeded[0] = succeeded(queues);
                refused[0] = producerLines("U");
                acked[0] = producerLines("A");
                for (int third = 1; third <= 3; third++) {
                    Await.pause(WINDOW_MS / 3);
                    marks[third] = System.currentTimeMillis();
                    succeeded[third] = succeeded(queues);
                    refused[third] = producerLines("U");
                    acked[third] = producerLines("A");
                }
                usedAtEnd = redis.info("memory", "used_memory");
            } finally {
                config("maxmemory", "0");
            }
            Await.pause(4_000);
        }

        List<Run> runs = HistoryChecker.runs(history);
        System.out.printf(
                "FAULT TABLE maxmemory: set to used_memory %s + %d bytes, noeviction, held %d ms (used_memory at its end %s);"
                        + " first refusal: %s%n",
                usedAtStart, HEADROOM_BYTES, marks[3] - marks[0], usedAtEnd, refusal);
        System.out.printf(
                "FAULT TABLE maxmemory: enqueue tries refused before the window %d, in it %d%n",
                refusedTriesBefore, refused[3] - refused[0]);
        for (int third = 1; third <= 3; third++) {
            System.out.printf(
                    "FAULT TABLE maxmemory: window third %d: enqueue tries refused %d, enqueues acknowledged %d;"
                            + " job starts (claims) %d, handler ends %d, acks recorded %d%n",
                    third,
                    refused[third] - refused[third - 1],
                    acked[third] - acked[third - 1],
                    count(runs, false, marks[third - 1], marks[third]),
                    count(runs, true, marks[third - 1], marks[third]),
                    succeeded[third] - succeeded[third - 1]);
        }
        List<String> traces = fleet.stream()
                .flatMap(c -> c.output().stream())
                .filter(l -> l.startsWith("\tat ") || l.contains("Exception:"))
                .toList();
        List<String> warnings = fleet.stream()
                .flatMap(c -> c.output().stream())
                .filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
                .toList();
        System.out.printf(
                "FAULT TABLE maxmemory: worker output: %d WARN/ERROR lines (Redis memory is full), %d stack-trace lines%n",
                warnings.size(), traces.size());
        HistoryChecker.Report report = drainAndCheck("maxmemory " + WINDOW_MS / 1000 + " s", Q);

        assertThat(refusal).as("what an enqueue got while Redis was full").contains("out of memory");
        assertThat(refused[3] - refused[0])
                .as("producers' enqueue tries refused in the window")
                .isPositive();
        for (int third = 1; third <= 3; third++) {
            assertThat(count(runs, false, marks[third - 1], marks[third]))
                    .as("claims in third %d of the window", third)
                    .isPositive();
            assertThat(succeeded[third] - succeeded[third - 1])
                    .as("acks recorded in third %d of the window", third)
                    .isPositive();
        }
        assertThat(traces).as("stack traces in the workers' output").isEmpty();
        // a worker warns when Redis refuses its heartbeat for memory; with usage hovering at the
        // limit (claims free memory) a heartbeat may also get in, so the warning is not certain
        assertThat(warnings)
                .as("worker warnings while Redis was full")
                .allMatch(l -> l.contains("Redis memory is full"));
        assertThat(fleet).allMatch(ChildWorker::isAlive, "worker still running");
        assertSafe(report);
    }

    /**
     * Waits (bounded) until Redis refuses an enqueue; returns the error's message. The probe goes
     * to a queue nobody works, so a probe that still got in never shows up in the history.
     */
    private String awaitRefusal() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (int n = 0; ; n++) {
            try {
                store.enqueue(NewJob.of(Q + "-probe", FaultWorker.TYPE, JsonNodeFactory.instance.objectNode()));
            } catch (RedisOutOfMemoryException e) {
                return e.getMessage();
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError("Redis never refused an enqueue (" + n + " got in)");
            Await.pause(50);
        }
    }

    private void config(String name, String value) {
        TestRedis.raw(redis, j -> j.sendCommand(Protocol.Command.CONFIG, "SET", name, value));
    }

    private static long succeeded(QueueStore queues) {
        return Long.parseLong(queues.stats(Q).getOrDefault("succeeded", "0"));
    }

    private long producerLines(String kind) {
        return HistoryLog.read(history, "producer-").stream()
                .filter(f -> f[0].equals(kind))
                .count();
    }

    private static long count(List<Run> runs, boolean ends, long fromMs, long toMs) {
        return runs.stream()
                .filter(r -> r.end() == ends && r.atMs() >= fromMs && r.atMs() < toMs)
                .count();
    }
}
