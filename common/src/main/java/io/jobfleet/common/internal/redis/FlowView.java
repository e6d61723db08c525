package io.jobfleet.common.internal.redis;

import io.jobfleet.common.internal.job.LimitUsage;
import io.jobfleet.common.internal.job.LimitUsage.Kind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What flow control is doing to a queue, for operators and metrics: each limit with its usage
 * (jobs running, starts in the last period), how often each scope held a job back, and what a
 * waiting job waits for. It only reads what the claim script keeps (the {@code limits} hash,
 * {@code running:<scope>}, {@code starts:<scope>}, {@code throttled}, {@code throttledby}); a
 * partitioned queue's limits and usages are summed over its partitions. Thread-safe.
 */
public final class FlowView {
    /**
     * At most this many scopes of a queue are read: declared limits first, then the scopes
     * waiting now, then those that held jobs back most often. Bounds the metrics' series.
     */
    public static final int MAX_SCOPES = 100;

    private final Redis redis;
    private final Partitions partitions;

    public FlowView(Redis redis) {
        this.redis = redis;
        this.partitions = redis.partitions();
    }

    /**
     * The queue's limits with their usage. A wildcard limit ({@code key:*}) is listed as declared
     * and, under it, each key known to have waited for it (it is in {@code throttled} or
     * {@code throttledby}): a key that never reached its limit is not listed.
     */
    public List<LimitUsage> limits(String queue) {
        Map<String, LimitUsage> merged = new LinkedHashMap<>();
        for (List<LimitUsage> part : partitions.each(queue, p -> limitsOf(p.keys()))) {
            for (LimitUsage l : part) {
                merged.merge(
                        l.scope() + " " + l.kind(),
                        l,
                        (a, b) -> new LimitUsage(
                                a.scope(),
                                a.kind(),
                                a.limit() + b.limit(),
                                a.periodMs(),
                                a.perScope() ? a.used() : a.used() + b.used(),
                                a.from()));
            }
        }
        return List.copyOf(merged.values());
    }

    /** How many times a claim found a job over each scope's limit, summed over partitions, most first. */
    public Map<String, Long> throttledBy(String queue) {
        Map<String, Long> sums = new TreeMap<>();
        for (Map<String, String> part :
                partitions.each(queue, p -> redis.call(j -> j.hgetAll(p.keys().throttledBy())))) {
            part.forEach((scope, n) -> sums.merge(scope, Long.parseLong(n), Long::sum));
        }
        Map<String, Long> out = new LinkedHashMap<>();
        sums.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /**
     * Why a queued job waits, when its record names a scope ({@code waitingFor}): "waiting for
     * limit type:embed (concurrency 5/5)". {@code physical} is the job's partition (its record's queue).
     */
    public Optional<String> waitingFor(String physical, String id) {
        Keys keys = Keys.of(physical);
        String scope = redis.call(j -> j.hget(keys.job(id), "waitingFor"));
        if (scope == null || scope.isEmpty()) return Optional.empty();
        Map<String, String> fields = redis.call(j -> j.hgetAll(keys.limits()));
        List<String> usages = new ArrayList<>();
        for (LimitUsage l : usage(keys, fields, List.of(scope))) usages.add(l.describe());
        return Optional.of(
                "waiting for limit " + scope + (usages.isEmpty() ? "" : " (" + String.join(", ", usages) + ")"));
    }

    private List<LimitUsage> limitsOf(Keys keys) {
        Map<String, String> fields = redis.call(j -> j.hgetAll(keys.limits()));
        if (fields.isEmpty()) return List.of();
        List<LimitUsage> out = new ArrayList<>();
        Set<String> scopes = new LinkedHashSet<>();
        boolean wildcard = false;
        for (String field : new TreeMap<>(fields).keySet()) {
            Declared d = Declared.parse(field, fields.get(field));
            if (d == null) continue;
            if (d.scope().endsWith("*")) {
                wildcard = true;
                out.add(new LimitUsage(d.scope(), d.kind(), d.limit(), d.periodMs(), -1, null));
            } else {
                scopes.add(d.scope());
            }
        }
        if (wildcard) { // the keys and groups seen under a wildcard: waiting now, then held back most often
            scopes.addAll(redis.call(j -> j.zrange(keys.throttled(), 0, MAX_SCOPES - 1)));
            redis.call(j -> j.hgetAll(keys.throttledBy())).entrySet().stream()
                    .sorted(Comparator.comparing((Map.Entry<String, String> e) -> Long.parseLong(e.getValue()))
                            .reversed())
                    .limit(MAX_SCOPES)
                    .forEach(e -> scopes.add(e.getKey()));
        }
        out.addAll(usage(keys, fields, scopes.stream().limit(MAX_SCOPES).toList()));
        return out;
    }

    /** The limits that hold for these concrete scopes (their own, else their wildcard's) and their usage, read in one round trip. */
    private List<LimitUsage> usage(Keys keys, Map<String, String> fields, List<String> scopes) {
        List<Declared> applied = new ArrayList<>();
        List<String> from = new ArrayList<>();
        for (String scope : scopes) {
            for (Kind kind : Kind.values()) {
                String prefix = kind == Kind.CONCURRENCY ? Declared.CONCURRENCY : Declared.RATE;
                Declared own = Declared.parse(prefix + scope, fields.get(prefix + scope));
                String wildcard = scope.indexOf(':') > 0 ? scope.substring(0, scope.indexOf(':') + 1) + "*" : null;
                Declared inherited = own != null || wildcard == null
                        ? null
                        : Declared.parse(prefix + wildcard, fields.get(prefix + wildcard));
                Declared d = own != null ? own : inherited;
                if (d == null) continue;
                applied.add(new Declared(scope, kind, d.limit(), d.periodMs()));
                from.add(own != null ? null : wildcard);
            }
        }
        if (applied.isEmpty()) return List.of();
        long now = redis.serverTimeMs();
        List<Long> used = redis.pipelined(
                applied,
                (p, d) -> d.kind() == Kind.CONCURRENCY
                        ? p.scard(keys.running(d.scope()))
                        : p.zcount(keys.starts(d.scope()), "(" + (now - d.periodMs()), "+inf"));
        List<LimitUsage> out = new ArrayList<>(applied.size());
        for (int i = 0; i < applied.size(); i++) {
            Declared d = applied.get(i);
            out.add(new LimitUsage(d.scope(), d.kind(), d.limit(), d.periodMs(), used.get(i), from.get(i)));
        }
        return out;
    }

    /** A field of the limits hash: {@code c:<scope>} = N, or {@code r:<scope>} = "N periodMs". Null when absent or unreadable. */
    private record Declared(String scope, Kind kind, long limit, long periodMs) {
        static final String CONCURRENCY = "c:";
        static final String RATE = "r:";

        static Declared parse(String field, String value) {
            if (value == null) return null;
            try {
                if (field.startsWith(CONCURRENCY)) {
                    return new Declared(field.substring(2), Kind.CONCURRENCY, Long.parseLong(value.strip()), 0);
                }
                if (field.startsWith(RATE)) {
                    String[] parts = value.strip().split("\\s+");
                    return new Declared(
                            field.substring(2), Kind.RATE, Long.parseLong(parts[0]), Long.parseLong(parts[1]));
                }
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                return null; // not ours to judge: shown nowhere rather than breaking every view
            }
            return null;
        }
    }
}
