package io.jobfleet.worker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis is down, as every loop of one worker sees it: logged once when it goes down and
 * once when it is back, with the downtime, however many loops notice in between. Failures are
 * kept per place (a queue partition, or "server" for calls that are not a queue's), so on a
 * Cluster the loops back off only from the unreachable shard, and Redis counts as back once
 * every place that failed has answered again (or has not failed for a minute: a place nobody
 * calls any more does not keep an outage open).
 */
final class Outage {
    private static final Logger log = LoggerFactory.getLogger(Outage.class);
    private static final long FORGET_AFTER_MS = 60_000;

    /** A failing place: when its calls began to fail, when one last failed, and how many in a row. */
    private record Down(long since, long last, int failures) {}

    private final Map<String, Down> down = new ConcurrentHashMap<>();
    private final WorkerMetrics metrics;
    private long since; // start of the outage being logged; guarded by this

    Outage(WorkerMetrics metrics) {
        this.metrics = metrics;
    }

    /** Called for every failed call: counted each time, logged when the first place fails. */
    void down(String place, RuntimeException cause) {
        metrics.redisErrors.labelValues("worker").inc();
        long now = System.currentTimeMillis();
        down.merge(place, new Down(now, now, 1), (old, fresh) -> new Down(old.since(), now, old.failures() + 1));
        synchronized (this) {
            if (since != 0) return;
            since = now;
        }
        log.warn(
                "Redis is unavailable ({}: {}); retrying with backoff. Running jobs go on; their outcomes are"
                        + " recorded once Redis is back",
                place,
                cause.getMessage());
    }

    /**
     * Called after a successful call for {@code place} that began at {@code startedMs}. A call that
     * began before the place last failed (sent before the server died, answered after another
     * loop saw it die) says nothing about now, and is not taken as Redis being back.
     */
    void up(String place, long startedMs) {
        if (down.isEmpty()) return; // the common case: one read, no allocation
        Down failed = down.get(place);
        if (failed != null && startedMs <= failed.last()) return;
        down.remove(place);
        long now = System.currentTimeMillis();
        down.values().removeIf(d -> now - d.last() > FORGET_AFTER_MS);
        if (!down.isEmpty()) return;
        long began;
        synchronized (this) {
            began = since;
            since = 0;
        }
        if (began != 0) log.info("Redis is back after {} ms", now - began);
    }

    boolean isDown() {
        return !down.isEmpty();
    }

    /**
     * True while {@code place} failed recently: loops without a backoff of their own (renewals,
     * housekeeping) skip it until its backoff is over, so a dead shard is probed now and then
     * instead of by every loop on every tick (each failed call on a Cluster also makes the client
     * re-read the slot map, which holds up the calls to the healthy shards).
     */
    boolean coolingDown(String place) {
        Down d = down.get(place);
        return d != null && System.currentTimeMillis() - d.last() < Backoff.delayMs(d.failures());
    }
}
