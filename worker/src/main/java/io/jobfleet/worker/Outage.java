package io.jobfleet.worker;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis is down, as every loop of one worker sees it: logged once when it goes down and
 * once when it is back, with the downtime, however many loops notice in between.
 */
final class Outage {
    private static final Logger log = LoggerFactory.getLogger(Outage.class);
    private final AtomicLong downSince = new AtomicLong();
    private final WorkerMetrics metrics;

    Outage(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    /** Called for every failed call: counted each time, logged only the first time. */
    void down(RuntimeException cause) {
        metrics.redisErrors.labelValues("worker").inc();
        if (downSince.compareAndSet(0, System.currentTimeMillis())) {
            log.warn(
                    "Redis is unavailable ({}); retrying with backoff. Running jobs go on; their outcomes are"
                            + " recorded once Redis is back",
                    cause.getMessage());
        }
    }

    void up() {
        long since = downSince.getAndSet(0);
        if (since != 0) log.info("Redis is back after {} ms", System.currentTimeMillis() - since);
    }

    boolean isDown() {
        return downSince.get() != 0;
    }
}
