package io.jobfleet.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.RedisBench;
import io.jobfleet.common.job.NewJob;
import java.util.ArrayList;
import java.util.List;

/** The enqueue phase of jobfleet bench: one producer, many producers, and batches, straight to Redis. */
final class EnqueueBench {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final Bench bench;

    EnqueueBench(Bench bench) {
        this.bench = bench;
    }

    List<Row> run(int producers, int batch) throws Exception {
        bench.ensureBaselines();
        List<Row> rows = new ArrayList<>();
        String q = "bench-enqueue";
        new QueueStore(bench.redis).declarePartitions(q, bench.partitions);
        rows.add(oneProducer(q));
        rows.add(manyProducers(q, producers));
        rows.addAll(batches(q, batch));
        return rows;
    }

    private Row oneProducer(String q) {
        int single = bench.quick ? 2_000 : 20_000;
        RedisBench.Snapshot before = bench.begin();
        long t0 = System.nanoTime();
        for (int i = 0; i < single; i++)
            bench.store.enqueue(NewJob.of(q, "noop", JSON.objectNode().put("n", i)));
        Row row = bench.row("enqueue", "single, 1 producer in flight", single, t0, before, bench.evalsha, "EVALSHA");
        bench.counters.clear(q);
        return row;
    }

    private Row manyProducers(String q, int producers) throws Exception {
        int concurrent = bench.quick ? 4_000 : 80_000;
        RedisBench.Snapshot before = bench.begin();
        long t0 = System.nanoTime();
        Parallel.run(
                producers,
                concurrent,
                i -> bench.store.enqueue(NewJob.of(q, "noop", JSON.objectNode().put("n", i))));
        Row row = bench.row(
                "enqueue",
                "single, " + producers + " producers",
                concurrent,
                t0,
                before,
                bench.lpushClients,
                "LPUSH " + bench.clients + "-client");
        bench.counters.clear(q);
        return row;
    }

    /** Batched enqueue, and the Redis memory each queued job then takes. */
    private List<Row> batches(String q, int batch) {
        int total = bench.quick ? 10_000 : 200_000;
        RedisBench.Snapshot before = bench.begin();
        long t0 = System.nanoTime();
        bench.fill(q, total, batch);
        Row batched = bench.row(
                "enqueue",
                "batch of " + batch + ", 1 producer",
                total,
                t0,
                before,
                bench.lpushClients,
                "LPUSH " + bench.clients + "-client");
        RedisBench.Snapshot after = bench.counters.snapshot();
        Row memory = Row.info(
                "enqueue",
                "Redis memory per queued no-op job",
                (double) after.minus(before).usedMemory() / total,
                "bytes",
                "job hash + pending list entry; payload {}");
        bench.counters.clear(q);
        return List.of(batched, memory);
    }
}
