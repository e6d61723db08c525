package io.jobfleet.cli;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisBench;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.demo.NoopHandler;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** The drain phase of jobfleet bench: a full queue run down by real workers, with their heap. */
final class DrainBench {
    private final Bench bench;

    DrainBench(Bench bench) {
        this.bench = bench;
    }

    List<Row> run(int total, int workerCount, int concurrency) throws Exception {
        Drained run = drain(total, workerCount, concurrency, 0);
        return List.of(run.rate(), heapRow(run.heapMax(), run.heapBefore()));
    }

    /**
     * The drain twice, without a limit and with a concurrency limit on the job type that never
     * binds (10 x the slots of all workers): what checking a limit on every claim and ack costs.
     */
    List<Row> runWithLimit(int total, int workerCount, int concurrency) throws Exception {
        int limit = 10 * workerCount * concurrency;
        Row without = drain(total, workerCount, concurrency, 0).rate();
        Row with = drain(total, workerCount, concurrency, limit).rate();
        return List.of(
                Row.withNote(without, "no limit"),
                Row.withNote(with, "limit c:type:noop = " + limit + ", not binding"),
                Row.info(
                        "drain-limit",
                        "cost of a non-binding concurrency limit",
                        100.0 * (without.value() - with.value()) / without.value(),
                        "% of throughput",
                        String.format(
                                "Redis commands/job %+.2f, Redis CPU us/job %+.1f",
                                with.commandsPerJob() - without.commandsPerJob(),
                                with.redisCpuUsPerJob() - without.redisCpuUsPerJob())));
    }

    /** One measured drain: its rate row, and the heap before and at most. */
    private record Drained(Row rate, long heapBefore, long heapMax) {}

    /** Fills the bench queue, sets a concurrency limit on the type when {@code limit > 0}, drains it, deletes it. */
    private Drained drain(int total, int workerCount, int concurrency, int limit) throws Exception {
        bench.ensureBaselines();
        String q = "bench-drain";
        new QueueStore(bench.redis).declarePartitions(q, bench.partitions);
        bench.fill(q, total, 1000);
        if (limit > 0) bench.counters.setLimit(q, "c:type:noop", Integer.toString(limit));
        System.gc();
        long heapBefore = heapUsed();
        RedisBench.Snapshot before = bench.begin();
        long t0 = System.nanoTime();
        List<Worker> workers = new ArrayList<>();
        List<Redis> pools = new ArrayList<>();
        long[] heapMax = {0};
        Thread sampler = sampleHeap(heapMax);
        try {
            for (int w = 0; w < workerCount; w++) {
                Redis pool = Redis.connect(
                        RedisSettings.fromUrl(bench.url).withPoolSize(Math.max(16, bench.partitions + 8)));
                pools.add(pool);
                Worker worker = new Worker(pool, Bench.config(q, concurrency), new Handlers().add(new NoopHandler()));
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
        Row rate = Row.withNote(
                bench.row(
                        limit > 0 ? "drain-limit" : "drain",
                        total + " no-op jobs, " + workerCount + " worker(s) x " + concurrency + " slots"
                                + (bench.partitions > 1 ? ", " + bench.partitions + " partitions" : "")
                                + (limit > 0 ? ", limit " + limit : ""),
                        total,
                        t0,
                        before,
                        bench.lpushClients,
                        "LPUSH 8-client"),
                bench.partitions > 1 ? "partition slots " + slots(q) : "");
        bench.counters.clear(q);
        return new Drained(rate, heapBefore, heapMax[0]);
    }

    /** Samples the heap used every 250 ms into {@code max[0]} until interrupted. */
    private static Thread sampleHeap(long[] max) {
        return Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                max[0] = Math.max(max[0], heapUsed());
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private static Row heapRow(long heapMax, long heapBefore) {
        return Row.info(
                "drain",
                "worker heap while draining (used, sampled)",
                heapMax / 1e6,
                "MB",
                "before: " + Math.round(heapBefore / 1e6) + " MB after GC; max heap "
                        + Runtime.getRuntime().maxMemory() / 1_000_000 + " MB");
    }

    /** The Cluster slot of each partition: on a Cluster, whether they sit on different masters. */
    private List<Integer> slots(String q) {
        return new QueueStore(bench.redis)
                .physical(q).stream().map(p -> Keys.of(p).slot()).toList();
    }

    private void awaitDrained(String q) throws InterruptedException {
        QueueStore queues = new QueueStore(bench.redis);
        while (true) {
            QueueCounts c = queues.counts(q);
            if (c.pending() == 0 && c.active() == 0 && c.scheduled() == 0) return;
            Thread.sleep(20);
        }
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
