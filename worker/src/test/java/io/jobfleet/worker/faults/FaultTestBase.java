package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.Retention;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import io.jobfleet.worker.testing.ChildWorkerMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * A fresh redis-server (AOF on) and a fresh history directory per test; worker JVMs started
 * through {@link #launch} are killed after the test whatever happened.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FaultTestBase {
    protected EmbeddedRedis server;
    protected Redis redis;
    protected JobStore store;
    protected Leases leases;
    protected Path history;
    private final List<ChildWorker> children = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = TestRedis.start();
        redis = Redis.connect(RedisSettings.fromUrl(server.url()).withPoolSize(16));
        store = new JobStore(redis, Retention.DEFAULT);
        leases = new Leases(redis, Retention.DEFAULT);
        history = Files.createTempDirectory("jobfleet-history-");
    }

    @AfterEach
    void stopEverything() {
        children.forEach(ChildWorker::close);
        children.clear();
        if (redis != null) redis.close();
        if (server != null) server.close();
        try (var files = Files.walk(history)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a worker JVM without waiting for it; {@code options} as {@link io.jobfleet.worker.testing.ChildWorkerMain} takes them. */
    private String[] withHistory(String... options) {
        String[] all = java.util.Arrays.copyOf(options, options.length + 2);
        all[options.length] = "--history";
        all[options.length + 1] = history.toString();
        return all;
    }

    protected ChildWorker launch(String id, String... options) {
        return launchVia(server.url(), Map.of(), id, options);
    }

    /**
     * Starts a worker JVM that reaches Redis at {@code redisUrl} (a proxy's, say) with extra
     * environment variables (a skewed clock, say); killed after the test like the others.
     */
    protected ChildWorker launchVia(String redisUrl, Map<String, String> env, String id, String... options) {
        return launchFleet(FaultWorker.class, redisUrl, env, id, options);
    }

    /** Starts a worker JVM running another fleet ({@link FlowWorker}, say); killed after the test like the others. */
    protected ChildWorker launchFleet(
            Class<? extends ChildWorkerMain.Fleet> fleet,
            String redisUrl,
            Map<String, String> env,
            String id,
            String... options) {
        ChildWorker child = ChildWorker.launch(fleet, env, redisUrl, id, withHistory(options));
        children.add(child);
        return child;
    }

    /** One SIGKILL: which worker incarnation, and when. */
    protected record Kill(String worker, long atMs) {}

    /**
     * Every 2 s for {@code cycles} cycles, SIGKILLs a random ready worker of {@code fleet} and puts
     * a fresh one ({@code launch(id)}) in its slot; a cycle where every worker is still starting
     * kills nobody and is not counted. Returns the kills.
     */
    protected static List<Kill> killOneEveryTwoSeconds(
            List<ChildWorker> fleet, int cycles, java.util.function.BiFunction<Integer, Integer, ChildWorker> launch) {
        List<Kill> kills = new ArrayList<>();
        for (int cycle = 1; cycle <= cycles; cycle++) {
            Await.pause(2_000);
            List<Integer> ready = new ArrayList<>();
            for (int i = 0; i < fleet.size(); i++) if (fleet.get(i).isReady()) ready.add(i);
            if (ready.isEmpty()) {
                cycle--; // every replacement still starting: wait, this cycle kills nobody
                continue;
            }
            int slot =
                    ready.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(ready.size()));
            ChildWorker victim = fleet.get(slot);
            victim.kill();
            kills.add(new Kill(victim.id(), System.currentTimeMillis()));
            fleet.set(slot, launch.apply(slot, cycle));
        }
        return kills;
    }

    /** Waits (bounded, generously) for the queue to drain, then checks the history and prints the table. */
    protected HistoryChecker.Report drainAndCheck(String fault, String queue) {
        return drainAndCheck(fault, queue, Duration.ofMinutes(2));
    }

    /** As {@link #drainAndCheck(String, String)}, waiting up to {@code timeout} (a throttled queue drains slowly). */
    protected HistoryChecker.Report drainAndCheck(String fault, String queue, Duration timeout) {
        QueueStore queues = new QueueStore(redis);
        try {
            Await.until(timeout, "queue " + queue + " to drain", () -> drained(queues, queue));
        } catch (AssertionError e) {
            System.out.println("FAULT TABLE " + fault + ": " + e.getMessage() + "; checking what is left");
        }
        HistoryChecker.Report report = HistoryChecker.check(fault, history, redis, queue);
        report.print();
        return report;
    }

    /**
     * Nothing pending, active or scheduled, and nothing waiting outside pending (parked behind a
     * limit, prioritized, in a group), each partition read in one atomic call: depths read
     * key by key can miss a job moving between two of them (a reaped job going from active back
     * to pending), end the wait while it still has to run, and have the checker read the history
     * before its run ends.
     */
    private boolean drained(QueueStore queues, String queue) {
        int partitions = queues.partitionCount(queue);
        for (int k = 0; k < partitions; k++) {
            Keys keys = Keys.of(k == 0 ? queue : Names.partition(queue, k));
            List<?> depths = TestRedis.raw(redis, j -> (List<?>) j.eval(
                    "return {redis.call('LLEN', KEYS[1]), redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]),"
                            + " redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5]), redis.call('HLEN', KEYS[6])}",
                    List.of(
                            keys.pending(),
                            keys.active(),
                            keys.scheduled(),
                            keys.throttled(),
                            keys.prioritized(),
                            keys.groups()),
                    List.of()));
            for (Object depth : depths) if ((Long) depth != 0) return false;
        }
        return true;
    }

    protected static void assertSafe(HistoryChecker.Report report) {
        assertThat(report.acknowledged()).as("acknowledged jobs").isPositive();
        assertThat(report.lost()).as("lost jobs: %s", report.examples()).isZero();
        assertThat(report.stuck()).as("stuck jobs: %s", report.examples()).isZero();
        assertThat(report.unexpected())
                .as("unexpected executions: %s", report.examples())
                .isZero();
        assertThat(report.splitKeys())
                .as("idempotency keys with two jobs: %s", report.examples())
                .isZero();
    }

    protected static String[] opts(String... options) {
        return options;
    }
}
