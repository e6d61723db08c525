package io.jobfleet.worker;

import io.jobfleet.common.Version;
import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.redis.WorkerRegistry;
import io.jobfleet.common.job.WorkerInfo;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this worker's entry in the fleet's registry (what `workers list` and the API show),
 * with a TTL of three intervals. A full Redis refuses it: logged once when full, once when not,
 * and not an outage, since claims, acks and renewals still work then.
 */
final class Heartbeat implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

    private final WorkerConfig config;
    private final WorkerRegistry registry;
    private final Outage outage;
    private final IntSupplier busy;
    private final long startedAt = System.currentTimeMillis();
    private volatile boolean memoryFull;

    Heartbeat(WorkerConfig config, WorkerRegistry registry, Outage outage, IntSupplier busy) {
        this.config = config;
        this.registry = registry;
        this.outage = outage;
        this.busy = busy;
    }

    @Override
    public void run() {
        long started = System.currentTimeMillis();
        try {
            registry.heartbeat(info(), config.heartbeatEvery().multipliedBy(3));
            outage.up("server", started);
            if (memoryFull) {
                memoryFull = false;
                log.info("Redis accepts writes again (memory no longer full)");
            }
        } catch (RedisOutOfMemoryException e) {
            if (!memoryFull) {
                memoryFull = true;
                log.warn(
                        "Redis memory is full (maxmemory, noeviction): enqueues and this worker's heartbeat are refused;"
                                + " claiming, acking and renewing go on. {}",
                        e.getMessage());
            }
        } catch (RedisUnavailableException e) {
            outage.down("server", e);
        }
    }

    private WorkerInfo info() {
        String queues = config.queues().entrySet().stream()
                .map(e -> e.getValue() == 1 ? e.getKey() : e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(","));
        String id = config.id();
        String host = id.contains("-") ? id.substring(0, id.indexOf('-')) : id;
        return new WorkerInfo(
                id,
                host,
                ProcessHandle.current().pid(),
                queues,
                config.concurrency(),
                busy.getAsInt(),
                startedAt,
                0,
                Version.get());
    }
}
