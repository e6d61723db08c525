package io.jobfleet.common.internal.metrics;

import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.QueueCounts;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queue depth by state, oldest pending age and Redis memory, read from Redis on a timer (every
 * 5 s) rather than per scrape, so scrapes stay cheap and a slow Redis never stalls Prometheus.
 * Both the API (every queue) and each worker (its queues) export them; dashboards take max().
 * A partitioned queue's depth is the sum over its partitions (what an autoscaler should read);
 * its partitions' pending depths are exported apart, labelled by partition number (at most 64).
 * Flow control's counters and limits are read on the same timer ({@link LimitGauges}).
 */
public final class QueueGauges implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueGauges.class);

    private final Gauge depth;
    private final Gauge oldest;
    private final Gauge partitionPending;
    private final java.util.Set<java.util.List<String>> partitionLabels = new java.util.HashSet<>();
    private final Gauge memoryUsed;
    private final Gauge memoryMax;
    private final LimitGauges limits;
    private final Redis redis;
    private final QueueStore queues;
    private final Supplier<Collection<String>> names;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("jobfleet-gauges").factory());

    public QueueGauges(PrometheusRegistry registry, Redis redis, Supplier<Collection<String>> names) {
        this.redis = redis;
        this.queues = new QueueStore(redis);
        this.names = names;
        depth = Gauge.builder()
                .name("jobfleet_queue_depth")
                .help("Jobs in a queue by state (pending: every waiting job, prioritized, grouped and parked ones too)")
                .labelNames("queue", "state")
                .register(registry);
        oldest = Gauge.builder()
                .name("jobfleet_queue_oldest_pending_age_seconds")
                .help("How long the oldest pending job of a queue has waited")
                .labelNames("queue")
                .register(registry);
        partitionPending = Gauge.builder()
                .name("jobfleet_queue_partition_pending")
                .help("Pending jobs in each partition of a partitioned queue")
                .labelNames("queue", "partition")
                .register(registry);
        memoryUsed = Gauge.builder()
                .name("jobfleet_redis_memory_used_bytes")
                .help("Redis used_memory")
                .register(registry);
        memoryMax = Gauge.builder()
                .name("jobfleet_redis_memory_max_bytes")
                .help("Redis maxmemory (0: no limit)")
                .register(registry);
        limits = new LimitGauges(registry, redis);
    }

    public QueueGauges start() {
        var unused = timer.scheduleWithFixedDelay(this::refresh, 0, 5, TimeUnit.SECONDS);
        return this;
    }

    /** Reads every gauge now; failures are logged at debug and the gauges keep their last values (errors are counted elsewhere). */
    public void refresh() {
        try {
            java.util.Set<java.util.List<String>> seen = new java.util.HashSet<>();
            Collection<String> current = names.get();
            for (String queue : current) {
                List<QueueCounts> parts = queues.countsByPartition(queue);
                if (parts.size() > 1) {
                    for (QueueCounts p : parts) {
                        List<String> labels = List.of(queue, Integer.toString(Names.partitionOf(p.queue())));
                        partitionPending
                                .labelValues(labels.get(0), labels.get(1))
                                .set(p.pending());
                        seen.add(labels);
                    }
                }
                QueueCounts c = QueueStore.sum(queue, parts);
                depth.labelValues(queue, "pending").set(c.pending());
                depth.labelValues(queue, "active").set(c.active());
                depth.labelValues(queue, "scheduled").set(c.scheduled());
                depth.labelValues(queue, "dead").set(c.dead());
                oldest.labelValues(queue).set(c.oldestPendingAgeMs() / 1000.0);
            }
            for (List<String> gone : partitionLabels) { // partitions dropped by a shrink
                if (!seen.contains(gone)) partitionPending.remove(gone.get(0), gone.get(1));
            }
            partitionLabels.clear();
            partitionLabels.addAll(seen);
            Redis.Memory memory = redis.memory(); // on Cluster, the fullest master's
            memoryUsed.set(memory.used());
            memoryMax.set(memory.max());
            limits.refresh(current);
        } catch (RuntimeException e) {
            log.debug("queue gauges not refreshed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
