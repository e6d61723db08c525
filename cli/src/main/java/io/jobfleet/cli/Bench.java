package io.jobfleet.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisBench;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.worker.WorkerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What the phases of {@code jobfleet bench} share: the connection, Redis's counters, this Redis's
 * own limits (the baselines, measured once) and turning a timed run into a {@link Row}. Each
 * phase ({@link EnqueueBench}, {@link ApiBench}, {@link DrainBench}, {@link LatencyBench}) uses
 * its own queue, deleted after. Costs come from Redis's own counters (INFO commandstats, INFO cpu,
 * used_memory), which do not drift with machine noise; rates are wall clock and do.
 */
final class Bench {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    final Redis redis;
    final String url;
    final boolean quick;
    final RedisBench counters;
    final JobStore store;
    final int partitions; // of the enqueue and drain queues (--partitions)
    private double lpush = Double.NaN;
    double lpushClients = Double.NaN;
    final int clients = 8;
    double evalsha = Double.NaN;

    Bench(Redis redis, String url, boolean quick, int partitions) {
        this.partitions = partitions;
        this.redis = redis;
        this.url = url;
        this.quick = quick;
        this.counters = new RedisBench(redis);
        this.store = new JobStore(redis, Retention.DEFAULT);
    }

    List<Row> baselines() {
        int n = quick ? 5_000 : 50_000;
        String key = Keys.benchBaseline();
        lpush = counters.lpushUnpipelined(key, n);
        try {
            lpushClients = counters.lpushUnpipelined(key, n * 2, clients);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        double pipelined = counters.lpushPipelined(key, n * 10, 100);
        evalsha = counters.evalshaTrivial(key, n);
        return List.of(
                Row.info(
                        "baseline",
                        "LPUSH, unpipelined, 1 client",
                        lpush,
                        "ops/s",
                        "one round trip at a time: latency-bound"),
                Row.info(
                        "baseline",
                        "LPUSH, unpipelined, " + clients + " clients",
                        lpushClients,
                        "ops/s",
                        "what redis-benchmark -P 1 measures; the base of the multi-client ratios"),
                Row.info("baseline", "LPUSH, pipelined by 100, 1 client", pipelined, "ops/s", ""),
                Row.info(
                        "baseline",
                        "EVALSHA return 1, 1 client",
                        evalsha,
                        "ops/s",
                        "the base of the single-producer ratio"));
    }

    void ensureBaselines() {
        if (Double.isNaN(lpush)) baselines();
    }

    Row row(
            String phase,
            String name,
            long jobs,
            long startNanos,
            RedisBench.Snapshot before,
            double limit,
            String limitName) {
        double rate = jobs / ((System.nanoTime() - startNanos) / 1e9);
        long trips = Redis.roundTrips() - tripsAtStart;
        RedisBench.Snapshot delta = counters.snapshot().minus(before);
        return new Row(
                phase,
                name,
                rate,
                "jobs/s",
                rate / limit,
                (limitName + " unpipelined").replace("EVALSHA unpipelined", "EVALSHA"),
                (double) trips / jobs,
                (double) delta.calls() / jobs,
                delta.cpuSeconds() * 1e6 / jobs,
                "");
    }

    private long tripsAtStart;

    /** Takes Redis's counters and this process's round-trip count at the start of a measured run. */
    RedisBench.Snapshot begin() {
        RedisBench.Snapshot snapshot = counters.snapshot();
        tripsAtStart = Redis.roundTrips();
        return snapshot;
    }

    /** Enqueues {@code total} no-op jobs in batches of {@code batch}: one script call per batch. */
    void fill(String q, int total, int batch) {
        for (int done = 0; done < total; done += batch) {
            List<NewJob> jobs = new ArrayList<>(batch);
            for (int i = 0; i < Math.min(batch, total - done); i++) jobs.add(NewJob.of(q, "noop", JSON.objectNode()));
            store.enqueue(jobs, 0);
        }
    }

    static WorkerConfig config(String q, int concurrency) {
        return WorkerConfig.builder()
                .queues(q)
                .concurrency(concurrency)
                .claimBatch(concurrency)
                .breaker(WorkerConfig.BreakerSettings.OFF)
                .build();
    }
}
