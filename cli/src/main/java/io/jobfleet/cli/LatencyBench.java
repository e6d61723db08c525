package io.jobfleet.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisBench;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.JobHandler;
import io.jobfleet.worker.Worker;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The latency phase of jobfleet bench: jobs enqueued at a fixed rate while a worker runs them;
 * enqueue -> start and enqueue -> done, measured from each job's intended send time (so a
 * producer that falls behind cannot hide latency: no coordinated omission).
 */
final class LatencyBench {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final String url;
    private final JobStore store;
    private final RedisBench counters;

    LatencyBench(String url, JobStore store, RedisBench counters) {
        this.url = url;
        this.store = store;
        this.counters = counters;
    }

    List<Row> run(int rate, int seconds, int concurrency) throws Exception {
        String q = "bench-latency";
        long period = 1_000_000_000L / rate;
        Recorder toStart = new Recorder(3);
        Recorder toDone = new Recorder(3);
        AtomicLong finished = new AtomicLong();
        JobHandler timed = timedHandler(toStart, toDone, finished);
        int total = rate * seconds;
        try (Redis pool = Redis.connect(RedisSettings.fromUrl(url).withPoolSize(16))) {
            Worker worker = new Worker(pool, Bench.config(q, concurrency), new Handlers().add(timed));
            worker.start();
            try {
                long start = System.nanoTime();
                for (int i = 0; i < total; i++) {
                    long intended = start + i * period; // measured from the intended send time: no coordinated omission
                    long wait = intended - System.nanoTime();
                    if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    ObjectNode payload = JSON.objectNode().put("t", intended);
                    store.enqueue(NewJob.of(q, "bench.latency", payload));
                }
                long deadline = System.currentTimeMillis() + 30_000;
                while (finished.get() < total && System.currentTimeMillis() < deadline) Thread.sleep(10);
            } finally {
                worker.stop();
            }
        }
        counters.clear(q);
        Histogram start = toStart.getIntervalHistogram();
        Histogram done = toDone.getIntervalHistogram();
        return rows(rate + " jobs/s for " + seconds + " s", start, done);
    }

    /** Records, for each job, the time from its intended send to its start and to its end. */
    private static JobHandler timedHandler(Recorder toStart, Recorder toDone, AtomicLong finished) {
        return new JobHandler() {
            @Override
            public String type() {
                return "bench.latency";
            }

            @Override
            public Object handle(JobContext ctx) {
                long intended = ctx.payload().get("t").asLong();
                toStart.recordValue(Math.max(0, System.nanoTime() - intended) / 1_000);
                toDone.recordValue(Math.max(0, System.nanoTime() - intended) / 1_000);
                finished.incrementAndGet();
                return null;
            }
        };
    }

    private static List<Row> rows(String label, Histogram start, Histogram done) {
        return List.of(
                Row.info(
                        "latency", "enqueue -> start p50, " + label, start.getValueAtPercentile(50) / 1000.0, "ms", ""),
                Row.info("latency", "enqueue -> start p99", start.getValueAtPercentile(99) / 1000.0, "ms", ""),
                Row.info("latency", "enqueue -> start p99.9", start.getValueAtPercentile(99.9) / 1000.0, "ms", ""),
                Row.info(
                        "latency",
                        "enqueue -> done p50",
                        done.getValueAtPercentile(50) / 1000.0,
                        "ms",
                        "done = handler returned; its ack follows in the next acker batch"),
                Row.info("latency", "enqueue -> done p99", done.getValueAtPercentile(99) / 1000.0, "ms", ""),
                Row.info("latency", "enqueue -> done p99.9", done.getValueAtPercentile(99.9) / 1000.0, "ms", ""));
    }
}
