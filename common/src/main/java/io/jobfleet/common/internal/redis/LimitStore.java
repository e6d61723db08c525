package io.jobfleet.common.internal.redis;

import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where flow-control limits are kept and read: the {@code limits} hash of each partition of a
 * queue, field {@code c:<scope>} (most running) and {@code r:<scope>} ({@code "N periodMs"}),
 * written by limit.lua, which also has claims look at the scope's parked jobs again at once.
 * Claims read the hash on every claim, so a change holds from the next claim on.
 *
 * <p>A partitioned queue of P partitions holds a limit N as ceil(N / P) in each partition, since
 * each partition's claims see only their own slot: the fleet-wide limit is then P x ceil(N / P),
 * N or a little more, and {@link #list} answers that sum. Limits are written for the partitions a
 * queue has now: set them again after changing its partition count. Thread-safe.
 */
public final class LimitStore {
    /** Field prefix of a scope's concurrency limit in the limits hash. */
    static final String CONCURRENCY = "c:";
    /** Field prefix of a scope's rate limit in the limits hash. */
    static final String RATE = "r:";

    private final Redis redis;
    private final Partitions partitions;

    public LimitStore(Redis redis) {
        this.redis = redis;
        this.partitions = redis.partitions();
    }

    /** Sets (replaces) the limit of its scope in every partition of its queue. */
    public void set(Limit limit) {
        List<Partition> all = partitions.list(limit.queue());
        for (Partition p : all) {
            String concurrency =
                    limit.concurrency() == null ? "" : Integer.toString(share(limit.concurrency(), all.size()));
            String rate = limit.rate() == null
                    ? ""
                    : share(limit.rate(), all.size()) + " " + limit.period().toMillis();
            write(p.keys(), limit.scope(), concurrency, rate);
        }
    }

    /** Deletes the limit of {@code scope} in every partition of {@code queue}; true when there was one. */
    public boolean delete(String queue, String scope) {
        Limit.checkScope(scope);
        boolean had = false;
        for (Partition p : partitions.list(queue)) had |= write(p.keys(), scope, "", "");
        return had;
    }

    /** The queue's limits, sorted by scope, summed over its partitions, each with its usage now. */
    public List<LimitUsage> list(String queue) {
        Map<String, long[]> sums = new TreeMap<>(); // scope -> concurrency, rate, periodMs, running, starts
        long now = redis.serverTimeMs();
        for (Partition p : partitions.list(queue)) {
            Keys keys = p.keys();
            Map<String, String> fields = redis.call(j -> j.hgetAll(keys.limits()));
            fields.forEach((field, value) -> {
                if (field.startsWith(CONCURRENCY)) {
                    String scope = field.substring(CONCURRENCY.length());
                    long[] sum = sums.computeIfAbsent(scope, s -> new long[5]);
                    sum[0] += Long.parseLong(value);
                    if (!scope.endsWith(":*")) sum[3] += redis.call(j -> j.scard(keys.running(scope)));
                } else if (field.startsWith(RATE)) {
                    String scope = field.substring(RATE.length());
                    String[] parts = value.split(" ");
                    long periodMs = Long.parseLong(parts[1]);
                    long[] sum = sums.computeIfAbsent(scope, s -> new long[5]);
                    sum[1] += Long.parseLong(parts[0]);
                    sum[2] = periodMs;
                    if (!scope.endsWith(":*")) {
                        sum[4] += redis.call(j -> j.zcount(keys.starts(scope), "(" + (now - periodMs), "+inf"));
                    }
                }
            });
        }
        List<LimitUsage> out = new ArrayList<>(sums.size());
        sums.forEach((scope, s) -> out.add(usage(queue, scope, s)));
        return out;
    }

    private static LimitUsage usage(String queue, String scope, long[] s) {
        boolean each = scope.endsWith(":*");
        // the shares' sum may pass Limit.MAX by rounding up (100000 over 3 partitions)
        Integer concurrency = s[0] == 0 ? null : (int) Math.min(s[0], Limit.MAX);
        Integer rate = s[1] == 0 ? null : (int) Math.min(s[1], Limit.MAX);
        Limit limit = new Limit(queue, scope, concurrency, rate, rate == null ? null : Duration.ofMillis(s[2]));
        return new LimitUsage(limit, concurrency == null || each ? null : s[3], rate == null || each ? null : s[4]);
    }

    private boolean write(Keys keys, String scope, String concurrency, String rate) {
        Object had = redis.run(
                Script.LIMIT,
                List.of(keys.limits(), keys.throttled(), keys.parked(scope), keys.pending()),
                List.of(scope, CONCURRENCY + scope, concurrency, RATE + scope, rate));
        return ((Long) had) == 1;
    }

    /** A partition's share of a fleet-wide limit {@code n} over {@code partitions}: ceil(n / partitions). */
    static int share(int n, int partitions) {
        return (n + partitions - 1) / partitions;
    }
}
