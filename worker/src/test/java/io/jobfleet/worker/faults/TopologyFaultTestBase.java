package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.job.Retention;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fault suite on a replicated topology: instead of one redis-server, each test gets a fresh
 * Sentinel set or Cluster ({@link #startTopology}); workers and producers reach it by its URL.
 * {@link #failoverRun} runs the usual load (2 worker JVMs, 2 producers), injects a failover,
 * and measures the failover window: the acknowledged enqueues between the fault and 2 s after
 * the new master was named, the only ones asynchronous replication can lose.
 */
abstract class TopologyFaultTestBase extends FaultTestBase {
    private String url;

    /** Starts this test's topology and returns its URL. */
    protected abstract String startTopology();

    protected abstract void stopTopology();

    @Override
    @BeforeEach
    void startServer() throws IOException {
        url = startTopology();
        redis = Redis.connect(RedisSettings.fromUrl(url).withPoolSize(16));
        store = new JobStore(redis, Retention.DEFAULT);
        history = Files.createTempDirectory("jobfleet-history-");
    }

    @Override
    @AfterEach
    void stopEverything() {
        try {
            super.stopEverything();
        } finally {
            stopTopology();
        }
    }

    /** What a failover did: how long until a new master was named, and the acks in its window. */
    record Window(long switchMs, int acksInWindow, HistoryChecker.Report report) {}

    /**
     * Load for 4 s, then {@code fault} (which returns once a new master is named), 2 more
     * seconds counted as the window, 4 s of load after it, then drain and check.
     */
    protected Window failoverRun(String name, String queue, Runnable fault) {
        String[] options = opts(
                "--queues", queue, "--concurrency", "4", "--lease-ms", "3000", "--renew-ms", "500", "--reap-ms", "500");
        List<ChildWorker> fleet =
                List.of(launchVia(url, Map.of(), "t1", options), launchVia(url, Map.of(), "t2", options));
        fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));
        long switchMs;
        int window;
        try (Producers load =
                new Producers(store, queue, history, Duration.ofMillis(20), Producers.durations(150, 0, 0)).start(2)) {
            Await.pause(4_000);
            int before = acks();
            long start = System.nanoTime();
            fault.run();
            switchMs = (System.nanoTime() - start) / 1_000_000;
            Await.pause(2_000);
            window = acks() - before;
            Await.pause(4_000);
        }
        HistoryChecker.Report report = drainAndCheck(name, queue);
        System.out.printf(
                "FAULT TABLE %s: new master after %d ms; %d enqueues acknowledged in the window; %d acknowledged"
                        + " jobs lost%n",
                name, switchMs, window, report.lost());
        return new Window(switchMs, window, report);
    }

    /** Acknowledged enqueues so far, from the producers' history files. */
    private int acks() {
        return (int) HistoryLog.read(history, "producer-").stream()
                .filter(f -> f[0].equals("A"))
                .count();
    }

    /**
     * What holds whatever replication lost: no job stuck, none run that was never enqueued, no
     * key with two jobs, and lost acknowledged jobs only from the failover window.
     */
    protected static void assertSafeButForTheWindow(Window w) {
        HistoryChecker.Report report = w.report();
        assertThat(report.acknowledged()).as("acknowledged jobs").isPositive();
        assertThat(report.stuck()).as("stuck jobs: %s", report.examples()).isZero();
        assertThat(report.unexpected())
                .as("unexpected executions: %s", report.examples())
                .isZero();
        assertThat(report.splitKeys())
                .as("idempotency keys with two jobs: %s", report.examples())
                .isZero();
        assertThat(report.lost())
                .as("lost jobs beyond the failover window's %d acks: %s", w.acksInWindow(), report.examples())
                .isLessThanOrEqualTo(w.acksInWindow());
    }
}
