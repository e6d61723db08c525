package io.jobfleet.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.RedisBench;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.NewJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The drain and latency phases with {@code --worker-processes N}: the shipped shape, N real
 * {@code jobfleet worker} processes ({@link WorkerProcesses}) at default settings and default
 * logging. The drain runs down a backlog enqueued before the workers start, timed from their launch
 * (JVM start included) to the last job SUCCEEDED as the queue's counters tell; the latency run
 * sends {@code bench.probe} jobs at a fixed rate to ready workers and reads each one's start time
 * from its result afterwards, the first {@value #COLD} jobs (cold) apart from the rest (steady).
 */
final class ProcessBench {
    static final int COLD = 2_000;
    private static final long STALL_NANOS = 60_000_000_000L;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final Bench bench;
    private final QueueStore queues;
    private final int processes;
    private final int concurrency;
    private final String shape;

    ProcessBench(Bench bench, int processes, int concurrency) {
        this.bench = bench;
        this.queues = new QueueStore(bench.redis);
        this.processes = processes;
        this.concurrency = concurrency;
        this.shape = processes + " jobfleet worker process(es), default logging";
    }

    List<Row> drain(int total) throws Exception {
        bench.ensureBaselines();
        String q = "bench-drain-processes";
        bench.counters.clear(q);
        queues.declarePartitions(q, bench.partitions);
        bench.fill(q, total, 1000);
        long pollCommands = commandsPerPoll(q);
        RedisBench.Snapshot before = bench.counters.snapshot();
        long polls = 0;
        long t0 = System.nanoTime();
        long firstDone = 0;
        long end;
        long cpuAtFirst = 0;
        long cpu;
        long logBytes;
        try (WorkerProcesses workers = WorkerProcesses.start(processes, bench.url, q, concurrency)) {
            long seen = 0;
            long progressAt = System.nanoTime();
            while (true) {
                long done = succeeded(q);
                polls++;
                if (done > 0 && firstDone == 0) {
                    firstDone = System.nanoTime();
                    cpuAtFirst = workers.cpuMicros();
                }
                if (done >= total) break;
                if (done > seen) {
                    seen = done;
                    progressAt = System.nanoTime();
                } else if (System.nanoTime() - progressAt > STALL_NANOS) {
                    throw new IllegalStateException("drain stalled at " + done + " of " + total
                            + " jobs succeeded for 60 s: " + queues.counts(q));
                }
                workers.checkAlive();
                Thread.sleep(5);
            }
            end = System.nanoTime();
            cpu = workers.cpuMicros();
            workers.stop();
            logBytes = workers.logBytes();
        }
        RedisBench.Snapshot delta = bench.counters.snapshot().minus(before);
        long dead = queues.counts(q).dead();
        bench.counters.clear(q);
        double rate = total / ((end - t0) / 1e9);
        String what = total + " no-op jobs, backlog, " + processes + " process(es) x " + concurrency + " slots";
        return List.of(
                new Row(
                        "drain",
                        what,
                        rate,
                        "jobs/s",
                        rate / bench.lpushClients,
                        "LPUSH 8-client unpipelined",
                        null, // the round trips are the workers', not counted in this process
                        (double) (delta.calls() - polls * pollCommands) / total,
                        delta.cpuSeconds() * 1e6 / total,
                        shape + ", --concurrency " + concurrency + ", the rest at defaults; from launch (JVM start"
                                + " included) to the last job SUCCEEDED; dead jobs: " + dead),
                Row.info(
                        "drain",
                        "first job done to last",
                        (total - 1) / ((end - firstDone) / 1e9),
                        "jobs/s",
                        shape + "; without the JVM start"),
                Row.info(
                        "drain",
                        "worker start to first job done",
                        (firstDone - t0) / 1e6,
                        "ms",
                        shape + "; JVM start, connect, first claim"),
                Row.info(
                        "drain",
                        "worker CPU per job",
                        (double) cpu / total,
                        "us",
                        shape + "; /proc utime+stime from launch, JVM start and JIT included"),
                Row.info(
                        "drain",
                        "worker CPU per job, first job done to last",
                        (double) (cpu - cpuAtFirst) / (total - 1),
                        "us",
                        shape + "; /proc utime+stime"),
                Row.info(
                        "drain",
                        "worker log per job",
                        (double) logBytes / total,
                        "bytes",
                        shape + "; stderr of the workers, " + logBytes + " bytes in all"));
    }

    List<Row> latency(int rate, int seconds) throws Exception {
        String q = "bench-latency-processes";
        bench.counters.clear(q);
        int total = rate * seconds;
        long periodNanos = 1_000_000_000L / rate;
        List<String> ids = new ArrayList<>(total);
        long[] intendedUs = new long[total];
        long producerLate = 0; // the most a send started after its intended time: the bench's own share of the latency
        warmProducer();
        try (WorkerProcesses workers = WorkerProcesses.start(processes, bench.url, q, concurrency)) {
            workers.awaitReady(60_000);
            long start = System.nanoTime();
            long startUs = epochMicros(Instant.now());
            for (int i = 0; i < total; i++) {
                long intended =
                        start + i * periodNanos; // measured from the intended send time: no coordinated omission
                long wait = intended - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                producerLate = Math.max(producerLate, System.nanoTime() - intended);
                intendedUs[i] = startUs + i * periodNanos / 1_000;
                ids.add(bench.store
                        .enqueue(NewJob.of(q, "bench.probe", JSON.objectNode().put("t", intendedUs[i])))
                        .id());
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (succeeded(q) < total && System.currentTimeMillis() < deadline) {
                workers.checkAlive();
                Thread.sleep(10);
            }
            workers.stop();
        }
        Histogram cold = new Histogram(3);
        Histogram steady = new Histogram(3);
        for (int i = 0; i < total; i++) {
            String id = ids.get(i);
            JobRecord job = bench.store
                    .get(q, id)
                    .orElseThrow(() -> new IllegalStateException("bench.probe job " + id
                            + " is gone: the latency run reads each job's result, so succeeded jobs must be kept"));
            if (job.result() == null || !job.result().has("startedUs"))
                throw new IllegalStateException("bench.probe job " + id + " has no start time: " + job.state());
            long micros = Math.max(0, job.result().get("startedUs").asLong() - intendedUs[i]);
            (i < COLD ? cold : steady).recordValue(micros);
        }
        bench.counters.clear(q);
        List<Row> rows = new ArrayList<>(rows("cold, first " + cold.getTotalCount() + " jobs", cold));
        if (steady.getTotalCount() > 0) rows.addAll(rows("steady, the other " + steady.getTotalCount(), steady));
        rows.add(Row.info(
                "latency",
                "producer behind schedule, at most",
                producerLate / 1e6,
                "ms",
                shape + "; the bench's sends, counted in the latency above (no coordinated omission)"));
        return rows;
    }

    private List<Row> rows(String label, Histogram h) {
        String note = shape + ", --concurrency " + concurrency;
        return List.of(
                Row.info("latency", "enqueue -> start p50, " + label, h.getValueAtPercentile(50) / 1000.0, "ms", note),
                Row.info("latency", "enqueue -> start p99, " + label, h.getValueAtPercentile(99) / 1000.0, "ms", note),
                Row.info(
                        "latency",
                        "enqueue -> start p99.9, " + label,
                        h.getValueAtPercentile(99.9) / 1000.0,
                        "ms",
                        note),
                Row.info("latency", "enqueue -> start max, " + label, h.getMaxValue() / 1000.0, "ms", note));
    }

    /**
     * Sends {@value #COLD} probe jobs to a queue no worker serves, then deletes it: the cold rows
     * are then the worker's first seconds, not also the bench's own enqueue path warming up.
     */
    private void warmProducer() {
        String scratch = "bench-latency-warmup";
        for (int i = 0; i < COLD; i++)
            bench.store.enqueue(
                    NewJob.of(scratch, "bench.probe", JSON.objectNode().put("t", 0L)));
        bench.counters.clear(scratch);
    }

    /** Jobs of the queue that SUCCEEDED, from its counters: one command per partition. */
    private long succeeded(String q) {
        return Long.parseLong(queues.stats(q).getOrDefault("succeeded", "0"));
    }

    /** Redis commands one {@link #succeeded} poll costs, taken off the workers' count. */
    private long commandsPerPoll(String q) {
        RedisBench.Snapshot before = bench.counters.snapshot();
        succeeded(q);
        return bench.counters.snapshot().minus(before).calls();
    }

    private static long epochMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
