package io.jobfleet.common.internal.job;

import io.jobfleet.common.job.QueueCounts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON shape of a queue's depths, partitions and limits, shared by {@code jobfleet queues
 * stats --json} and {@code GET /v1/queues/{queue}} so the two never drift apart. Each caller adds
 * what is its own (the CLI's outcome windows, the API's workers).
 */
public final class QueueView {
    private QueueView() {}

    /** queue, pending (every waiting job) and its prioritized, grouped and parked parts, active, scheduled, dead, paused, oldest age. */
    public static Map<String, Object> depths(QueueCounts c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("queue", c.queue());
        waiting(out, c);
        out.put("paused", c.paused());
        out.put("oldestPendingAgeMs", c.oldestPendingAgeMs());
        return out;
    }

    /** One partition of a partitioned queue: its number and depths. */
    public static Map<String, Object> partition(QueueCounts p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("partition", Names.partitionOf(p.queue()));
        waiting(out, p);
        out.put("oldestPendingAgeMs", p.oldestPendingAgeMs());
        return out;
    }

    private static void waiting(Map<String, Object> out, QueueCounts c) {
        out.put("pending", c.pending());
        out.put("prioritized", c.prioritized());
        out.put("grouped", c.grouped());
        out.put("parked", c.parked());
        out.put("active", c.active());
        out.put("scheduled", c.scheduled());
        out.put("dead", c.dead());
    }

    /**
     * Each limit: scope, kind, limit, periodMs (rate), used and usage (not for a wildcard, which
     * holds for each key apart), from (the wildcard a key's limit comes from), throttled (how many
     * times it held a job back).
     */
    public static List<Map<String, Object>> limits(List<LimitUsage> limits, Map<String, Long> throttledBy) {
        List<Map<String, Object>> out = new ArrayList<>(limits.size());
        for (LimitUsage l : limits) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("scope", l.scope());
            view.put("kind", l.kind().label());
            view.put("limit", l.limit());
            if (l.kind() == LimitUsage.Kind.RATE) view.put("periodMs", l.periodMs());
            if (!l.perScope()) {
                view.put("used", l.used());
                view.put("usage", l.usage());
            }
            if (l.from() != null) view.put("from", l.from());
            view.put("throttled", throttledBy.getOrDefault(l.scope(), 0L));
            out.add(view);
        }
        return out;
    }
}
