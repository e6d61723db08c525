package io.jobfleet.common.internal.redis;

import io.jobfleet.common.job.QueueCounts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import redis.clients.jedis.resps.Tuple;

/**
 * Fleet views and operator actions on whole queues: depths, pause and resume, and the
 * dead-letter queue (list, requeue, purge, retention). Job-level transitions live in
 * {@link JobStore} and {@link Leases}. A queue name covers every partition of a partitioned queue
 * (counts are summed, actions run on each, through {@link Partitions#each}/{@link Partitions#sum});
 * a physical partition name ({@code q~k}) means that partition only.
 * Thread-safe.
 */
public final class QueueStore {
    /** How a fairness group's turn is written in the pending list: {@code @g:<group>}. */
    static final String GROUP_MARKER = "@g:";

    private final Redis redis;
    private final Partitions partitions;

    public QueueStore(Redis redis) {
        this.redis = redis;
        this.partitions = redis.partitions();
    }

    /** How many partitions {@code queue} has (1 unless declared), as read at most a second ago. */
    public int partitionCount(String queue) {
        return partitions.count(queue);
    }

    /**
     * Sets the partition count of {@code queue}; returns the previous one. Throws
     * {@link Partitions.RefusedException} for a count out of 1..64 or a shrink that would drop jobs.
     */
    public int declarePartitions(String queue, int count) {
        return partitions.declare(queue, count);
    }

    /** The physical names of the partitions a name covers (see {@link Partitions#covering}): for tools and tests. */
    public List<String> physical(String queue) {
        return partitions.each(queue, Partition::name);
    }

    /**
     * LLEN of the pending list (summed over partitions): what KEDA's list scaler reads. It is not 0
     * whenever work waits (a prioritized, grouped or parked job leaves a marker in the list), but
     * it counts only the list: {@link #counts} has every waiting job.
     */
    public long depth(String queue) {
        return partitions.sum(queue, p -> redis.call(j -> j.llen(p.keys().pending())));
    }

    /**
     * Jobs by state, summed over the queue's partitions; the oldest pending age is the oldest of
     * any partition, and the queue counts as paused when any partition is.
     */
    public QueueCounts counts(String queue) {
        return sum(queue, countsByPartition(queue));
    }

    /** The queue's counts from its partitions' counts (see {@link #counts}). */
    public static QueueCounts sum(String queue, List<QueueCounts> parts) {
        if (parts.size() == 1) return parts.get(0);
        long pending = 0, active = 0, scheduled = 0, dead = 0, oldest = 0, prioritized = 0, grouped = 0, parked = 0;
        boolean paused = false;
        for (QueueCounts c : parts) {
            pending += c.pending();
            active += c.active();
            scheduled += c.scheduled();
            dead += c.dead();
            paused |= c.paused();
            oldest = Math.max(oldest, c.oldestPendingAgeMs());
            prioritized += c.prioritized();
            grouped += c.grouped();
            parked += c.parked();
        }
        return new QueueCounts(queue, pending, active, scheduled, dead, paused, oldest, prioritized, grouped, parked);
    }

    /** One {@link QueueCounts} per partition, named by the partition's physical name (one entry when unpartitioned). */
    public List<QueueCounts> countsByPartition(String queue) {
        return partitions.each(queue, this::countsOf);
    }

    /**
     * The counts of one partition, named by its physical name. Pending is every waiting entry: the
     * pending list (markers included), the prioritized set, the groups' counts and the parked
     * lists of the throttled scopes. Read by several commands, so the parts may be a moment apart.
     */
    private QueueCounts countsOf(Partition partition) {
        Keys keys = partition.keys();
        long listed = redis.call(j -> j.llen(keys.pending()));
        long active = redis.call(j -> j.zcard(keys.active()));
        long scheduled = redis.call(j -> j.zcard(keys.scheduled()));
        long dead = redis.call(j -> j.zcard(keys.dead()));
        boolean paused = redis.call(j -> j.exists(keys.paused()));
        long prioritized = redis.call(j -> j.zcard(keys.prioritized()));
        long grouped = 0;
        for (String waiting : redis.call(j -> j.hvals(keys.groups()))) grouped += Math.max(0, Long.parseLong(waiting));
        List<String> parkedLists = new ArrayList<>();
        for (String scope : redis.call(j -> j.zrange(keys.throttled(), 0, -1))) parkedLists.add(keys.parked(scope));
        long parked = 0;
        for (long n : redis.pipelined(parkedLists, (p, key) -> p.llen(key))) parked += n;
        return new QueueCounts(
                partition.name(),
                listed + prioritized + grouped + parked,
                active,
                scheduled,
                dead,
                paused,
                oldestPendingAgeMs(keys),
                prioritized,
                grouped,
                parked);
    }

    /** Age of the oldest entry of the pending list; for a group's marker, of the group's oldest job. */
    private long oldestPendingAgeMs(Keys keys) {
        String tail = redis.call(j -> j.lindex(keys.pending(), -1));
        String oldest = tail != null && tail.startsWith(GROUP_MARKER)
                ? redis.call(j -> j.lindex(keys.group(tail.substring(GROUP_MARKER.length())), -1))
                : tail;
        if (oldest == null || oldest.startsWith("@")) return 0; // a wake-up marker: no job to date
        String enqueuedAt = redis.call(j -> j.hget(keys.job(oldest), "enqueuedAt"));
        return enqueuedAt == null ? 0 : Math.max(0, redis.serverTimeMs() - Long.parseLong(enqueuedAt));
    }

    /** Counters kept per queue (summed over partitions): succeeded, retried, dead, cancelled, orphansRecovered, purged, deadExpired. */
    public Map<String, String> stats(String queue) {
        Map<String, Long> sums = new java.util.TreeMap<>();
        for (Map<String, String> part :
                partitions.each(queue, p -> redis.call(j -> j.hgetAll(p.keys().stats())))) {
            part.forEach((k, v) -> sums.merge(k, Long.parseLong(v), Long::sum));
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        sums.forEach((k, v) -> out.put(k, Long.toString(v)));
        return out;
    }

    /** Outcomes per minute over the last {@code minutes} minutes (oldest first, the current minute last). */
    public List<Map<String, Long>> perMinute(String queue, int minutes) {
        List<Map<String, Long>> sums = null;
        for (List<Map<String, Long>> part : partitions.each(queue, p -> perMinuteOf(p, minutes))) {
            if (sums == null) {
                sums = part;
                continue;
            }
            for (int i = 0; i < part.size(); i++) {
                Map<String, Long> sum = new java.util.HashMap<>(sums.get(i));
                part.get(i).forEach((k, v) -> sum.merge(k, v, Long::sum));
                sums.set(i, Map.copyOf(sum));
            }
        }
        return sums;
    }

    private List<Map<String, Long>> perMinuteOf(Partition partition, int minutes) {
        Keys keys = partition.keys();
        long now = redis.serverTimeMs() / 60_000;
        List<String> minuteKeys = new java.util.ArrayList<>(minutes);
        for (long m = now - minutes + 1; m <= now; m++) minuteKeys.add(keys.minute(m));
        List<List<String>> values = redis.hmgetMany(minuteKeys, "succeeded", "retried", "dead");
        List<Map<String, Long>> out = new java.util.ArrayList<>(minutes);
        for (List<String> v : values) {
            out.add(Map.of(
                    "succeeded",
                    v.get(0) == null ? 0 : Long.parseLong(v.get(0)),
                    "retried",
                    v.get(1) == null ? 0 : Long.parseLong(v.get(1)),
                    "dead",
                    v.get(2) == null ? 0 : Long.parseLong(v.get(2))));
        }
        return out;
    }

    /** Every queue that has had a job enqueued, sorted. */
    public Set<String> queues() {
        Set<String> names = redis.call(j -> j.smembers(Keys.queues()));
        return new TreeSet<>(names);
    }

    /** Stops claiming from the queue; enqueue goes on. Workers notice at their next claim. */
    public void pause(String queue) {
        partitions.each(queue, p -> redis.call(j -> j.set(p.keys().paused(), "1")));
    }

    public void resume(String queue) {
        partitions.each(queue, p -> redis.call(j -> j.del(p.keys().paused())));
    }

    /** Dead job ids of one partition, oldest first, that died at or before {@code diedBeforeMs} (server time), from {@code offset}. */
    @SuppressWarnings("deprecation") // as in DeadLetters.read
    public List<String> deadIds(Partition partition, long diedBeforeMs, long offset, int limit) {
        List<Tuple> tuples = redis.call(j -> j.zrangeByScoreWithScores(
                partition.keys().dead(), "-inf", Long.toString(diedBeforeMs), (int) offset, limit));
        List<String> ids = new ArrayList<>(tuples.size());
        for (Tuple t : tuples) ids.add(t.getElement());
        return ids;
    }

    /** DEAD -> QUEUED for these jobs; returns how many moved. Jobs no longer dead are left alone. */
    public int requeue(String queue, List<String> ids, boolean resetAttempts) {
        // a partition's script leaves ids that are not its own dead jobs alone, so each partition takes its own
        return (int) partitions.sum(queue, p -> requeueIn(p, ids, resetAttempts));
    }

    private int requeueIn(Partition partition, List<String> ids, boolean resetAttempts) {
        if (ids.isEmpty()) return 0;
        Keys keys = partition.keys();
        List<String> args = new ArrayList<>(ids.size() + 1);
        args.add(resetAttempts ? "1" : "0");
        args.addAll(ids);
        List<?> out = (List<?>) redis.run(Script.REQUEUE, List.of(keys.dead(), keys.pending(), keys.prefix()), args);
        int moved = 0;
        for (Object code : out) if ((Long) code == 1) moved++;
        return moved;
    }

    /** Deletes these dead jobs for good; returns how many were deleted. */
    public int purge(String queue, List<String> ids) {
        return purge(queue, ids, "purged");
    }

    /**
     * Deletes dead jobs older than the retention (counted under {@code deadExpired}), up to
     * {@code limit} per call. Returns how many were deleted.
     */
    public int expireDead(String queue, long retentionMs, int limit) {
        long cutoff = redis.serverTimeMs() - retentionMs;
        return (int) partitions.sum(queue, p -> purgeIn(p, deadIds(p, cutoff, 0, limit), "deadExpired"));
    }

    int purge(String queue, List<String> ids, String counter) {
        return (int) partitions.sum(queue, p -> purgeIn(p, ids, counter));
    }

    private int purgeIn(Partition partition, List<String> ids, String counter) {
        if (ids.isEmpty()) return 0;
        Keys keys = partition.keys();
        List<String> args = new ArrayList<>(ids.size() + 1);
        args.add(counter);
        args.addAll(ids);
        return ((Long) redis.run(Script.PURGE, List.of(keys.dead(), keys.prefix(), keys.stats()), args)).intValue();
    }
}
