package io.jobfleet.common.internal.metrics;

import io.jobfleet.common.internal.job.LimitUsage;
import io.jobfleet.common.internal.redis.FlowView;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Flow control's metrics: jobs held back by each limit, each limit and its usage, and expired
 * jobs. The counts live in Redis (the claim script's {@code throttledby} hash, the stats hash),
 * so they are read on {@link QueueGauges}' timer and exported as they are: every exporter shows
 * the same fleet-wide value (aggregate with max, not sum). At most {@link FlowView#MAX_SCOPES}
 * scopes per queue: a scope once exported stays for the life of the process, and scopes past
 * the bound are added up under {@code scope="other"}, so the series stay bounded and the counters
 * never go back. Not thread-safe: only the gauges' timer calls {@link #refresh}.
 */
final class LimitGauges {
    static final String OTHER = "other";

    private record Reading(List<LimitUsage> limits, Map<String, Long> throttled, long expired) {}

    private final FlowView flow;
    private final QueueStore queues;
    private final Map<String, Set<String>> exported = new HashMap<>();
    private volatile Map<String, Reading> readings = Map.of();

    LimitGauges(PrometheusRegistry registry, Redis redis) {
        this.flow = new FlowView(redis);
        this.queues = new QueueStore(redis);
        CounterWithCallback.builder()
                .name("jobfleet_jobs_throttled_total")
                .help("Claims that found a job over a limit and held it back, by the limit's scope")
                .labelNames("queue", "scope")
                .callback(c ->
                        readings.forEach((queue, r) -> r.throttled().forEach((scope, n) -> c.call(n, queue, scope))))
                .register(registry);
        CounterWithCallback.builder()
                .name("jobfleet_jobs_expired_total")
                .help("Jobs discarded because they were not started by their expiry time")
                .labelNames("queue")
                .callback(c -> readings.forEach((queue, r) -> c.call(r.expired(), queue)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("jobfleet_limit_usage")
                .help("Share of a limit in use: running/limit (concurrency), starts in the period/limit (rate)")
                .labelNames("queue", "scope", "kind")
                .callback(c -> readings.forEach((queue, r) -> {
                    for (LimitUsage l : r.limits()) {
                        if (!l.perScope())
                            c.call(l.usage(), queue, l.scope(), l.kind().label());
                    }
                }))
                .register(registry);
        GaugeWithCallback.builder()
                .name("jobfleet_limit")
                .help("A limit's value: most jobs running at once, or most starts per period")
                .labelNames("queue", "scope", "kind")
                .callback(c -> readings.forEach((queue, r) -> {
                    for (LimitUsage l : r.limits())
                        c.call(l.limit(), queue, l.scope(), l.kind().label());
                }))
                .register(registry);
    }

    /** Reads every queue's limits and counters; on a failure the previous values stay. */
    void refresh(Collection<String> names) {
        Map<String, Reading> next = new LinkedHashMap<>();
        for (String queue : names) {
            String expired = queues.stats(queue).get("expired");
            next.put(
                    queue,
                    new Reading(
                            flow.limits(queue),
                            bounded(queue, flow.throttledBy(queue)),
                            expired == null ? 0 : Long.parseLong(expired)));
        }
        readings = Map.copyOf(next);
    }

    /** The scopes exported so far and room for new ones up to the bound; the rest summed as {@link #OTHER}. */
    private Map<String, Long> bounded(String queue, Map<String, Long> all) {
        Set<String> kept = exported.computeIfAbsent(queue, q -> new LinkedHashSet<>());
        Map<String, Long> out = new LinkedHashMap<>();
        long other = 0;
        for (Map.Entry<String, Long> e : all.entrySet()) { // most first: the busiest scopes get the room
            if (kept.contains(e.getKey()) || kept.size() < FlowView.MAX_SCOPES) {
                kept.add(e.getKey());
                out.put(e.getKey(), e.getValue());
            } else {
                other += e.getValue();
            }
        }
        if (other > 0) out.put(OTHER, other);
        return out;
    }
}
