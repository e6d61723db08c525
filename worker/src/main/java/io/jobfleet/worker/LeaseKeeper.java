package io.jobfleet.worker;

import static io.jobfleet.worker.RedisCalls.CALLS;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the leases of this worker's running jobs, one script call per queue every renew
 * interval, and stops the handlers of jobs it no longer owns: cancelled ones, and ones whose
 * lease was lost (the worker was cut off from Redis for longer than the lease). Each queue
 * partition's renewal runs on a virtual thread of its own, at most one at a time per partition,
 * so a shard that is slow to fail (a dead Cluster master) never delays the others' renewals.
 */
final class LeaseKeeper implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

    private final WorkerConfig config;
    private final Leases store;
    private final Processor processor;
    private final Outage outage;
    private final AtomicLong leasesLost = new AtomicLong();
    private final WorkerMetrics metrics;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    LeaseKeeper(WorkerConfig config, Leases store, Processor processor, Outage outage, WorkerMetrics metrics) {
        this.metrics = metrics;
        this.config = config;
        this.store = store;
        this.processor = processor;
        this.outage = outage;
    }

    long leasesLost() {
        return leasesLost.get();
    }

    @Override
    public void run() {
        Map<String, Map<String, Long>> byQueue = new HashMap<>();
        for (RunningJob run : processor.running()) {
            byQueue.computeIfAbsent(run.job.queue(), q -> new HashMap<>()).put(run.job.id(), run.job.token());
        }
        byQueue.forEach((queue, tokens) -> {
            if (outage.coolingDown(queue)) return; // its shard failed just now: probed again after its backoff
            if (!inFlight.add(queue)) return; // the last renewal of this partition has not answered yet
            CALLS.execute(() -> {
                try {
                    renew(queue, tokens);
                } finally {
                    inFlight.remove(queue);
                }
            });
        });
    }

    private void renew(String queue, Map<String, Long> tokens) {
        long started = System.currentTimeMillis();
        try {
            Map<String, String> notRenewed = store.renew(Partition.parse(queue), config.lease(), tokens);
            outage.up(queue, started);
            notRenewed.forEach((id, status) -> {
                RunningJob run = processor.get(id);
                if (run == null || run.isSettled()) return; // finished meanwhile: its outcome is being recorded
                if (run.job.token() != tokens.get(id)) return; // a newer claim of the job, renewed next time
                if (status.equals("cancelled")) {
                    processor.stop(run, "cancelled");
                } else {
                    leasesLost.incrementAndGet();
                    metrics.leaseRenewalsLost.labelValues(Names.logical(queue)).inc();
                    log.warn("lost the lease on job {} (reaped or claimed elsewhere); stopping it here", id);
                    processor.stop(run, "lease lost");
                }
            });
        } catch (RedisUnavailableException e) {
            outage.down(queue, e);
        } catch (RuntimeException e) {
            Backoff.logUnexpected("lease renewal", e);
        }
    }
}
