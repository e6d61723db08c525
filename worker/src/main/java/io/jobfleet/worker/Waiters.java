package io.jobfleet.worker;

import io.jobfleet.common.error.ConfigException;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link QueueWaiter} per partition of each queue, each on a platform thread blocking on its
 * own pooled connection. {@link #sync} (every second) starts the missing ones and stops those of
 * dropped partitions. Past what the pool can spare (its size less 4), a partition has no waiter
 * and its jobs are found by the fetcher's idle re-check (at most 2 s late), with a warning once.
 */
final class Waiters {
    private static final Logger log = LoggerFactory.getLogger(Waiters.class);

    private final Leases store;
    private final Wake wake;
    private final Outage outage;
    private final Layout layout;
    private final int poolSize;
    private final Map<String, QueueWaiter> waiters = new ConcurrentHashMap<>();
    private final Map<String, Thread> threads = new ConcurrentHashMap<>();
    private final AtomicBoolean warnedPool = new AtomicBoolean();
    private volatile boolean stopped;

    Waiters(Leases store, Wake wake, Outage outage, Layout layout, int poolSize) {
        this.store = store;
        this.wake = wake;
        this.outage = outage;
        this.layout = layout;
        this.poolSize = poolSize;
    }

    /** Connections a worker needs: one blocking wait per queue, plus claims, acks and renewals. */
    static int poolNeeded(WorkerConfig config) {
        return config.queues().size() + 4;
    }

    static void checkPool(int poolSize, WorkerConfig config) {
        int needed = poolNeeded(config);
        if (poolSize < needed) {
            throw new ConfigException("Redis pool size " + poolSize + " is too small for a worker on "
                    + config.queues().size() + " queues: each queue's blocking wait holds a"
                    + " connection, and claims, acks and renewals need more; use at least " + needed);
        }
    }

    void sync() {
        if (stopped) return;
        List<Partition> physical;
        try {
            physical = layout.all();
        } catch (RedisUnavailableException e) {
            return; // the layout is read again at the next tick
        }
        int spare = Math.max(1, poolSize - 4);
        if (physical.size() > spare && warnedPool.compareAndSet(false, true)) {
            log.warn(
                    "{} queue partitions but the Redis pool of {} can spare {} blocking connections:"
                            + " the rest are checked every 2 s while idle; raise the pool size to at least {}",
                    physical.size(),
                    poolSize,
                    spare,
                    physical.size() + 4);
        }
        List<Partition> wantedPartitions = physical.subList(0, Math.min(spare, physical.size()));
        List<String> wanted = wantedPartitions.stream().map(Partition::name).toList();
        for (Partition partition : wantedPartitions) {
            waiters.computeIfAbsent(partition.name(), q -> {
                QueueWaiter waiter = new QueueWaiter(partition, store, wake, outage);
                threads.put(
                        q, Thread.ofPlatform().daemon().name("jobfleet-waiter").start(waiter));
                return waiter;
            });
        }
        for (String queue : List.copyOf(waiters.keySet())) {
            if (!wanted.contains(queue)) stop(queue);
        }
    }

    /** Stops every waiter; each ends after its current block. */
    void stop() {
        stopped = true;
        for (String queue : List.copyOf(waiters.keySet())) stop(queue);
    }

    private void stop(String queue) {
        QueueWaiter waiter = waiters.remove(queue);
        if (waiter != null) waiter.stop();
        Thread thread = threads.remove(queue);
        if (thread != null) thread.interrupt();
    }
}
