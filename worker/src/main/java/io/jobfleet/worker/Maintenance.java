package io.jobfleet.worker;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.job.Names;
import io.jobfleet.common.redis.JobStore;
import io.jobfleet.common.redis.QueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The housekeeping every worker runs for its queues (every partition of each): promote due scheduled jobs, reap expired
 * leases (crash recovery and poison detection), and expire dead jobs past their retention.
 * Each is an atomic script on the server clock, so every worker may run them at once.
 */
final class Maintenance {
    private static final Logger log = LoggerFactory.getLogger(Maintenance.class);
    private static final int BATCH = 500;

    private final WorkerConfig config;
    private final JobStore store;
    private final QueueStore queues;
    private final Outage outage;
    private final WorkerMetrics metrics;
    private final Layout layout;

    Maintenance(
            WorkerConfig config,
            JobStore store,
            QueueStore queues,
            Layout layout,
            Outage outage,
            WorkerMetrics metrics) {
        this.layout = layout;
        this.metrics = metrics;
        this.config = config;
        this.store = store;
        this.queues = queues;
        this.outage = outage;
    }

    void promote() {
        guarded("promote", queue -> {
            while (store.promote(queue, BATCH).count() == BATCH) {
                // a backlog of due jobs: keep going
            }
        });
    }

    void reap() {
        guarded("reap", queue -> {
            JobStore.Reaped reaped;
            do {
                reaped = store.reap(queue, BATCH, config.poisonLimit());
                if (!reaped.ids().isEmpty())
                    metrics.orphansRecovered
                            .labelValues(Names.logical(queue))
                            .inc(reaped.ids().size());
                if (reaped.requeued() > 0) {
                    log.warn(
                            "recovered {} jobs of queue {} whose worker stopped renewing their leases: back in pending",
                            reaped.requeued(),
                            queue);
                }
                if (reaped.dead() > 0) {
                    log.warn(
                            "{} jobs of queue {} are dead as poison: their lease expired {} times",
                            reaped.dead(),
                            queue,
                            config.poisonLimit());
                }
            } while (reaped.ids().size() == BATCH);
        });
    }

    void expireDead() {
        guarded("dead-job retention", queue -> {
            int deleted;
            do {
                deleted = queues.expireDead(queue, config.retention().dead().toMillis(), BATCH);
                if (deleted > 0) {
                    log.info(
                            "deleted {} dead jobs of queue {} older than the retention of {} (counted as deadExpired)",
                            deleted,
                            queue,
                            config.retention().dead());
                }
            } while (deleted == BATCH);
        });
    }

    /** Runs {@code perQueue} on every partition of every queue of this worker. */
    private void guarded(String task, java.util.function.Consumer<String> perQueue) {
        for (String queue : layout.physical()) {
            try {
                perQueue.accept(queue);
                outage.up();
            } catch (RedisUnavailableException e) {
                outage.down(e);
                return;
            } catch (RuntimeException e) {
                log.error("{} of queue {} failed; it runs again at its next interval", task, queue, e);
            }
        }
    }
}
