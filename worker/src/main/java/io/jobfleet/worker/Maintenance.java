package io.jobfleet.worker;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import io.jobfleet.common.internal.redis.QueueStore;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The housekeeping every worker runs for its queues (every partition of each): promote due scheduled jobs, reap expired
 * leases (crash recovery and poison detection), and expire dead jobs past their retention.
 * Each is an atomic script on the server clock, so every worker may run them at once. A backlog
 * is worked off in batches for at most {@link #BUDGET_MS} per queue and run, and the next run
 * comes at once instead of after the interval, so housekeeping never holds its thread for long; a queue whose Redis shard fails is
 * skipped until the next tick while the others are served.
 */
final class Maintenance {
    private static final Logger log = LoggerFactory.getLogger(Maintenance.class);
    private static final int BATCH = 500;
    static final long BUDGET_MS = 200;

    private final WorkerConfig config;
    private final Leases store;
    private final QueueStore queues;
    private final Outage outage;
    private final WorkerMetrics metrics;
    private final Layout layout;

    Maintenance(
            WorkerConfig config, Leases store, QueueStore queues, Layout layout, Outage outage, WorkerMetrics metrics) {
        this.layout = layout;
        this.metrics = metrics;
        this.config = config;
        this.store = store;
        this.queues = queues;
        this.outage = outage;
    }

    /** Returns true when a backlog is left for the next run (the budget ran out first). */
    boolean promote() {
        return guarded("promote", (partition, deadline) -> {
            boolean full;
            do {
                full = store.promote(partition, BATCH).count() == BATCH;
            } while (full && System.nanoTime() < deadline);
            return full;
        });
    }

    boolean reap() {
        return guarded("reap", (partition, deadline) -> {
            Leases.Reaped reaped;
            do {
                reaped = store.reap(partition, BATCH, config.poisonLimit());
                if (!reaped.ids().isEmpty())
                    metrics.orphansRecovered
                            .labelValues(partition.queue())
                            .inc(reaped.ids().size());
                if (reaped.requeued() > 0) {
                    log.warn(
                            "recovered {} jobs of queue {} whose worker stopped renewing their leases: back in pending",
                            reaped.requeued(),
                            partition);
                }
                if (reaped.dead() > 0) {
                    log.warn(
                            "{} jobs of queue {} are dead as poison: their lease expired {} times",
                            reaped.dead(),
                            partition,
                            config.poisonLimit());
                }
            } while (reaped.ids().size() == BATCH && System.nanoTime() < deadline);
            return reaped.ids().size() == BATCH;
        });
    }

    boolean expireDead() {
        return guarded("dead-job retention", (partition, deadline) -> {
            int deleted;
            do {
                deleted = queues.expireDead(
                        partition.name(), config.retention().dead().toMillis(), BATCH);
                if (deleted > 0) {
                    log.info(
                            "deleted {} dead jobs of queue {} older than the retention of {} (counted as deadExpired)",
                            deleted,
                            partition,
                            config.retention().dead());
                }
            } while (deleted == BATCH && System.nanoTime() < deadline);
            return deleted == BATCH;
        });
    }

    /** One partition's share of a task: runs until done or until {@code deadline} (System.nanoTime()); true if work is left. */
    private interface PerQueue {
        boolean run(Partition partition, long deadline);
    }

    /** Runs {@code perQueue} on every partition of every queue of this worker; one failing does not stop the rest. */
    private boolean guarded(String task, PerQueue perQueue) {
        List<Partition> all;
        try {
            all = layout.all();
        } catch (RedisUnavailableException e) {
            outage.down("server", e);
            return false;
        }
        boolean left = false;
        for (Partition partition : all) {
            String queue = partition.name();
            if (outage.coolingDown(queue)) continue; // its shard failed just now: tried again after its backoff
            long started = System.currentTimeMillis();
            try {
                left |= perQueue.run(partition, System.nanoTime() + BUDGET_MS * 1_000_000);
                outage.up(queue, started);
            } catch (RedisUnavailableException e) {
                outage.down(queue, e);
            } catch (RuntimeException e) {
                log.error("{} of queue {} failed; it runs again at its next interval", task, queue, e);
            }
        }
        return left;
    }
}
