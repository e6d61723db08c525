package io.jobfleet.common.redis;

import io.jobfleet.common.error.JobfleetException;
import io.jobfleet.common.job.Names;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * The partition layout of the fleet's queues: the hash {@code jobfleet:partitions} (queue ->
 * count), read at most once a second per process and shared by every store on one {@link Redis}.
 * A queue without an entry has one partition, its plain keys. Picks the partition of a new job:
 * by the idempotency key's hash when there is one (one key, one partition, so the idempotency
 * check stays one script in one slot), else round robin. Thread-safe.
 */
public final class Partitions {
    /** How long a read layout is used before it is read again: how fast a process sees a change. */
    public static final long REFRESH_MS = 1_000;

    private static final Map<Redis, Partitions> SHARED = new WeakHashMap<>();

    private final java.lang.ref.WeakReference<Redis> redisRef; // weak: the shared map must not keep a closed Redis
    private final java.util.concurrent.atomic.AtomicBoolean refreshing =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final Map<String, AtomicLong> roundRobin = new ConcurrentHashMap<>();
    private volatile Map<String, Integer> counts = Map.of();
    private volatile long readAt; // 0: never read

    private Partitions(Redis redis) {
        this.redisRef = new java.lang.ref.WeakReference<>(redis);
    }

    private Redis redis() {
        Redis redis = redisRef.get();
        if (redis == null) throw new IllegalStateException("the Redis connection of this layout is gone");
        return redis;
    }

    /** The layout shared by every store of this connection. */
    public static Partitions of(Redis redis) {
        synchronized (SHARED) {
            return SHARED.computeIfAbsent(redis, Partitions::new);
        }
    }

    /** Partition count of {@code queue} (1 when it was never partitioned), at most {@link #REFRESH_MS} old. */
    public int count(String queue) {
        if (readAt == 0) {
            refresh(); // never read: nobody may guess (a keyed job must go to its key's partition)
        } else if (System.currentTimeMillis() - readAt >= REFRESH_MS && refreshing.compareAndSet(false, true)) {
            try { // one caller reads while the others go on with the layout of a second ago
                refresh();
            } finally {
                refreshing.set(false);
            }
        }
        return counts.getOrDefault(queue, 1);
    }

    /** Physical names of every partition of {@code queue}: {@code q, q~1, ..., q~(n-1)}. */
    public List<String> physical(String queue) {
        int n = count(Names.checkQueue(queue));
        List<String> names = new ArrayList<>(n);
        for (int k = 0; k < n; k++) names.add(Names.partition(queue, k));
        return names;
    }

    /** Every partitioned queue and its count, read now. */
    public Map<String, Integer> all() {
        refresh();
        return counts;
    }

    /** Reads the layout now. */
    public void refresh() {
        Map<String, String> raw = redis().call(j -> j.hgetAll(Keys.partitions()));
        Map<String, Integer> read = new HashMap<>();
        raw.forEach((queue, n) -> read.put(queue, Integer.parseInt(n)));
        counts = Map.copyOf(read);
        readAt = System.currentTimeMillis();
    }

    /** The physical queue a new job goes to: by its idempotency key's hash, else round robin. */
    public String pick(String queue, String idempotencyKey) {
        int n = count(queue);
        if (n == 1) return queue;
        return Names.partition(queue, pickIndex(queue, idempotencyKey, n));
    }

    int pickIndex(String queue, String idempotencyKey, int n) {
        if (idempotencyKey != null) {
            CRC32 crc = new CRC32();
            crc.update(idempotencyKey.getBytes(StandardCharsets.UTF_8));
            return (int) (crc.getValue() % n);
        }
        // each process starts its rotation at a random point, so one-shot clients (the CLI) spread too
        AtomicLong next = roundRobin.computeIfAbsent(
                queue,
                q -> new AtomicLong(
                        java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 16)));
        return (int) Math.floorMod(next.getAndIncrement(), n);
    }

    /** A partition count that cannot be set now: out of range, or a shrink that would drop jobs. */
    public static final class RefusedException extends JobfleetException {
        public RefusedException(String message) {
            super("partitions_refused", message);
        }
    }

    /**
     * Sets the partition count of {@code queue} (1..{@value Names#MAX_PARTITIONS}); returns the
     * previous one. Growing is always allowed (existing jobs stay where they are). Shrinking is
     * refused while a partition to drop holds a pending, active, scheduled or dead job, and takes
     * about a second more: it looks again once every process has re-read the layout (see
     * {@link #recheckAfterShrink}). A paused queue's new partitions start paused.
     */
    public int declare(String queue, int n) {
        Names.checkQueue(queue);
        if (n < 1 || n > Names.MAX_PARTITIONS) {
            throw new RefusedException(
                    "partition count must be 1.." + Names.MAX_PARTITIONS + ", got " + n + " for queue '" + queue + "'");
        }
        refresh();
        int before = counts.getOrDefault(queue, 1);
        List<String> holding = holding(queue, n, before);
        if (!holding.isEmpty()) {
            throw new RefusedException("cannot shrink queue '" + queue + "' from " + before + " to " + n
                    + " partitions: " + String.join(", ", holding)
                    + " still hold jobs; drain them (and purge or requeue their dead jobs) first");
        }
        boolean paused = redis().call(j -> j.exists(Keys.of(queue).paused()));
        for (int k = before; k < n && paused; k++) {
            String key = Keys.of(Names.partition(queue, k)).paused();
            redis().call(j -> j.set(key, "1"));
        }
        write(queue, n);
        if (n < before) recheckAfterShrink(queue, n, before);
        refresh();
        return before;
    }

    private void write(String queue, int n) {
        if (n == 1) redis().call(j -> j.hdel(Keys.partitions(), queue));
        else redis().call(j -> j.hset(Keys.partitions(), queue, Integer.toString(n)));
    }

    /**
     * A producer that read the layout just before the shrink may still enqueue into a dropped
     * partition for up to {@link #REFRESH_MS}. Wait that long, look again, and if a job arrived
     * put the old count back (the job stays reachable) and refuse.
     */
    private void recheckAfterShrink(String queue, int n, int before) {
        try {
            Thread.sleep(REFRESH_MS + 200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<String> holding = holding(queue, n, before);
        if (holding.isEmpty()) return;
        write(queue, before);
        refresh();
        throw new RefusedException("shrinking queue '" + queue + "' to " + n + " partitions raced with enqueues: "
                + String.join(", ", holding) + " received jobs meanwhile; the count is back at " + before
                + ". Shrink while producers are quiet");
    }

    /** The partitions from {@code n} to {@code before - 1} that hold jobs, each with its count. */
    private List<String> holding(String queue, int n, int before) {
        List<String> holding = new ArrayList<>();
        for (int k = n; k < before; k++) {
            long jobs = jobs(Names.partition(queue, k));
            if (jobs > 0) holding.add(Names.partition(queue, k) + " (" + jobs + " jobs)");
        }
        return holding;
    }

    /** Jobs a partition holds in any unfinished or dead state. */
    private long jobs(String physical) {
        Keys keys = Keys.of(physical);
        return redis().call(j -> j.llen(keys.pending()))
                + redis().call(j -> j.zcard(keys.active()))
                + redis().call(j -> j.zcard(keys.scheduled()))
                + redis().call(j -> j.zcard(keys.dead()));
    }
}
