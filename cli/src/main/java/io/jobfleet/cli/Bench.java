package io.jobfleet.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.api.ApiConfig;
import io.jobfleet.api.ApiServer;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisBench;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.common.job.Retention;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import io.jobfleet.worker.demo.NoopHandler;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The measurements behind {@code jobfleet bench}. Each phase uses its own queue, deleted after.
 * Costs come from Redis's own counters (INFO commandstats, INFO cpu, used_memory), which do not
 * drift with machine noise; rates are wall clock and do.
 */
final class Bench {
    /** One figure: what, how much, and its ratio to this Redis's own limit where one applies. */
    record Row(
            String phase,
            String name,
            double value,
            String unit,
            Double ratio,
            String ratioTo,
            Double roundTripsPerJob,
            Double commandsPerJob,
            Double redisCpuUsPerJob,
            String note) {
        static Row info(String phase, String name, double value, String unit, String note) {
            return new Row(phase, name, value, unit, null, null, null, null, null, note);
        }
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final Redis redis;
    private final String url;
    private final boolean quick;
    private final RedisBench counters;
    private final JobStore store;
    private final int partitions; // of the enqueue and drain queues (--partitions)
    private double lpush = Double.NaN;
    private double lpushClients = Double.NaN;
    private int clients = 8;
    private double evalsha = Double.NaN;

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

    List<Row> enqueue(int producers, int batch) throws Exception {
        ensureBaselines();
        List<Row> rows = new ArrayList<>();
        String q = "bench-enqueue";
        new QueueStore(redis).declarePartitions(q, partitions);
        int single = quick ? 2_000 : 20_000;
        RedisBench.Snapshot before = begin();
        long t0 = System.nanoTime();
        for (int i = 0; i < single; i++)
            store.enqueue(NewJob.of(q, "noop", JSON.objectNode().put("n", i)));
        rows.add(row("enqueue", "single, 1 producer in flight", single, t0, before, evalsha, "EVALSHA"));
        counters.clear(q);

        int concurrent = quick ? 4_000 : 80_000;
        before = begin();
        t0 = System.nanoTime();
        Parallel.run(
                producers,
                concurrent,
                i -> store.enqueue(NewJob.of(q, "noop", JSON.objectNode().put("n", i))));
        rows.add(row(
                "enqueue",
                "single, " + producers + " producers",
                concurrent,
                t0,
                before,
                lpushClients,
                "LPUSH " + clients + "-client"));
        counters.clear(q);

        int total = quick ? 10_000 : 200_000;
        before = begin();
        t0 = System.nanoTime();
        fill(q, total, batch);
        Row batched = row(
                "enqueue",
                "batch of " + batch + ", 1 producer",
                total,
                t0,
                before,
                lpushClients,
                "LPUSH " + clients + "-client");
        RedisBench.Snapshot after = counters.snapshot();
        rows.add(batched);
        rows.add(Row.info(
                "enqueue",
                "Redis memory per queued no-op job",
                (double) after.minus(before).usedMemory() / total,
                "bytes",
                "job hash + pending list entry; payload {}"));
        counters.clear(q);
        return rows;
    }

    List<Row> api(int clients, int batch) throws Exception {
        ensureBaselines();
        List<Row> rows = new ArrayList<>();
        String q = "bench-api";
        try (ApiServer server = new ApiServer(redis, ApiConfig.openForDev().withAddress("127.0.0.1", 0)).start()) {
            HttpClient http = HttpClient.newBuilder()
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .build();
            URI single = URI.create("http://127.0.0.1:" + server.port() + "/v1/queues/" + q + "/jobs");
            URI batched = URI.create("http://127.0.0.1:" + server.port() + "/v1/queues/" + q + "/jobs/batch");
            String body = "{\"type\":\"noop\",\"payload\":{\"n\":1}}";
            StringBuilder many = new StringBuilder("{\"jobs\":[");
            for (int i = 0; i < batch; i++) many.append(i == 0 ? "" : ",").append(body);
            String batchBody = many.append("]}").toString();
            Parallel.run(clients, quick ? 200 : 2_000, i -> post(http, single, body)); // warm up
            counters.clear(q);

            int requests = quick ? 2_000 : 20_000;
            Recorder latency = new Recorder(3);
            RedisBench.Snapshot before = begin();
            long t0 = System.nanoTime();
            Parallel.run(clients, requests, i -> {
                long start = System.nanoTime();
                post(http, single, body);
                latency.recordValue((System.nanoTime() - start) / 1_000);
            });
            Histogram h = latency.getIntervalHistogram();
            rows.add(withNote(
                    row(
                            "api",
                            "POST /jobs, " + clients + " clients",
                            requests,
                            t0,
                            before,
                            lpushClients,
                            "LPUSH 8-client"),
                    "p50 " + ms(h, 50) + " ms, p99 " + ms(h, 99) + " ms per request"));
            counters.clear(q);

            int batches = quick ? 40 : 400;
            before = begin();
            t0 = System.nanoTime();
            Recorder batchLatency = new Recorder(3);
            Parallel.run(clients, batches, i -> {
                long start = System.nanoTime();
                post(http, batched, batchBody);
                batchLatency.recordValue((System.nanoTime() - start) / 1_000);
            });
            h = batchLatency.getIntervalHistogram();
            rows.add(withNote(
                    row(
                            "api",
                            "POST /jobs/batch of " + batch + ", " + clients + " clients",
                            batches * batch,
                            t0,
                            before,
                            lpushClients,
                            "LPUSH 8-client"),
                    "p50 " + ms(h, 50) + " ms, p99 " + ms(h, 99) + " ms per request"));
            counters.clear(q);
        }
        return rows;
    }

    LatencyBench latency() {
        return new LatencyBench(url, store, counters);
    }

    List<Row> drain(int total, int workerCount, int concurrency) throws Exception {
        ensureBaselines();
        String q = "bench-drain";
        new QueueStore(redis).declarePartitions(q, partitions);
        fill(q, total, 1000);
        System.gc();
        long heapBefore = heapUsed();
        RedisBench.Snapshot before = begin();
        long t0 = System.nanoTime();
        List<Worker> workers = new ArrayList<>();
        List<Redis> pools = new ArrayList<>();
        long[] heapMax = {0};
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                heapMax[0] = Math.max(heapMax[0], heapUsed());
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            for (int w = 0; w < workerCount; w++) {
                Redis pool = Redis.connect(RedisSettings.fromUrl(url).withPoolSize(Math.max(16, partitions + 8)));
                pools.add(pool);
                Worker worker = new Worker(pool, config(q, concurrency), new Handlers().add(new NoopHandler()));
                workers.add(worker);
                worker.start();
            }
            awaitDrained(q);
        } finally {
            long elapsed = System.nanoTime() - t0;
            sampler.interrupt();
            workers.forEach(Worker::stop);
            pools.forEach(Redis::close);
            t0 = System.nanoTime() - elapsed;
        }
        Row rate = withNote(
                row(
                        "drain",
                        total + " no-op jobs, " + workerCount + " worker(s) x " + concurrency + " slots"
                                + (partitions > 1 ? ", " + partitions + " partitions" : ""),
                        total,
                        t0,
                        before,
                        lpushClients,
                        "LPUSH 8-client"),
                partitions > 1 ? "partition slots " + slots(q) : "");
        counters.clear(q);
        return List.of(
                rate,
                Row.info(
                        "drain",
                        "worker heap while draining (used, sampled)",
                        heapMax[0] / 1e6,
                        "MB",
                        "before: " + Math.round(heapBefore / 1e6) + " MB after GC; max heap "
                                + Runtime.getRuntime().maxMemory() / 1_000_000 + " MB"));
    }

    /** The Cluster slot of each partition: on a Cluster, whether they sit on different masters. */
    private List<Integer> slots(String q) {
        return new QueueStore(redis)
                .physical(q).stream().map(p -> Keys.of(p).slot()).toList();
    }

    private void ensureBaselines() {
        if (Double.isNaN(lpush)) baselines();
    }

    private Row row(
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
                limitName + " unpipelined".replace("EVALSHA unpipelined", "EVALSHA"),
                (double) trips / jobs,
                (double) delta.calls() / jobs,
                delta.cpuSeconds() * 1e6 / jobs,
                "");
    }

    private long tripsAtStart;

    /** Takes Redis's counters and this process's round-trip count at the start of a measured run. */
    private RedisBench.Snapshot begin() {
        RedisBench.Snapshot snapshot = counters.snapshot();
        tripsAtStart = Redis.roundTrips();
        return snapshot;
    }

    private static Row withNote(Row r, String note) {
        return new Row(
                r.phase(),
                r.name(),
                r.value(),
                r.unit(),
                r.ratio(),
                r.ratioTo(),
                r.roundTripsPerJob(),
                r.commandsPerJob(),
                r.redisCpuUsPerJob(),
                note);
    }

    /** Enqueues {@code total} no-op jobs in batches of {@code batch}: one script call per batch. */
    private void fill(String q, int total, int batch) {
        for (int done = 0; done < total; done += batch) {
            List<NewJob> jobs = new ArrayList<>(batch);
            for (int i = 0; i < Math.min(batch, total - done); i++) jobs.add(NewJob.of(q, "noop", JSON.objectNode()));
            store.enqueue(jobs, 0);
        }
    }

    private void awaitDrained(String q) throws InterruptedException {
        QueueStore queues = new QueueStore(redis);
        while (true) {
            QueueCounts c = queues.counts(q);
            if (c.pending() == 0 && c.active() == 0 && c.scheduled() == 0) return;
            Thread.sleep(20);
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

    private static void post(HttpClient http, URI uri, String body) throws Exception {
        HttpResponse<Void> response = http.send(
                HttpRequest.newBuilder(uri)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() >= 300)
            throw new IllegalStateException("API answered " + response.statusCode() + " to " + uri);
    }

    private static String ms(Histogram h, double percentile) {
        return String.format("%.2f", h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
