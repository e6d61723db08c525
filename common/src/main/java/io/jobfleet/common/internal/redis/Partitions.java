package io.jobfleet.common.internal.redis;

import io.jobfleet.common.error.JobfleetException;
import io.jobfleet.common.internal.job.Names;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.zip.CRC32;

/**
 * The partition layout of the fleet's queues: the hash {@code jobfleet:partitions} (queue ->
 * count), read about once a second per process and shared by every store on one {@link Redis},
 * which owns it; a layout older than {@link #MAX_AGE_MS} is never used. A queue without an entry
 * has one partition, its plain keys. {@link #each} and {@link #sum} run an action on every
 * partition a name covers: the one fan-out the stores use. Picks the partition of a new job: by the hash of its idempotency key,
 * else of its client-made id (one key or id, one partition, so the check for it stays one script
 * in one slot), else round robin. A shrink retires the dropped partitions first, so a producer
 * with an older layout is refused there and picks again. Thread-safe.
 */
public final class Partitions {
    /** How long a read layout is used before it is read again: how fast a process sees a change. */
    public static final long REFRESH_MS = 1_000;
    /** A layout this old is read again by the caller itself, even while another thread is reading it. */
    public static final long MAX_AGE_MS = 2 * REFRESH_MS;

    private final Redis redis;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final QueueNames<AtomicLong> roundRobin = new QueueNames<>();
    private volatile Map<String, Integer> counts = Map.of();
    private volatile long readAt; // 0: never read
    /** Runs before each read of the layout: a test holds one refresh here to reproduce a slow read. */
    volatile Runnable beforeRead = () -> {};

    /** Made by {@link Redis} only: one layout per connection. */
    Partitions(Redis redis) {
        this.redis = redis;
    }

    /** The layout shared by every store of this connection ({@link Redis#partitions}). */
    public static Partitions of(Redis redis) {
        return redis.partitions();
    }

    /** Partition count of {@code queue} (1 when it was never partitioned), at most {@link #MAX_AGE_MS} old. */
    public int count(String queue) {
        long age = System.currentTimeMillis() - readAt;
        if (readAt == 0 || age >= MAX_AGE_MS) {
            refresh(); // never read, or too old to route with: nobody may guess, so wait for a read
        } else if (age >= REFRESH_MS && refreshing.compareAndSet(false, true)) {
            try { // one caller reads while the others go on with the layout of a second ago
                refresh();
            } finally {
                refreshing.set(false);
            }
        }
        return counts.getOrDefault(queue, 1);
    }

    /** Every partition of {@code queue}: {@code q, q~1, ..., q~(n-1)}. */
    public List<Partition> list(String queue) {
        int n = count(Names.checkQueue(queue));
        List<Partition> all = new ArrayList<>(n);
        for (int k = 0; k < n; k++) all.add(new Partition(queue, k));
        return all;
    }

    /**
     * The partitions a name covers: every partition of a queue name, or the one partition a
     * physical name ({@code q~k}, as a job record's queue) stands for.
     */
    public List<Partition> covering(String name) {
        if (name.indexOf(Names.PARTITION_SEPARATOR) >= 0) return List.of(Partition.parse(name));
        return list(name);
    }

    /** {@code action} on each partition {@code name} covers (see {@link #covering}), in order; its results. */
    public <T> List<T> each(String name, Function<Partition, T> action) {
        List<Partition> all = covering(name);
        List<T> out = new ArrayList<>(all.size());
        for (Partition p : all) out.add(action.apply(p));
        return out;
    }

    /** The sum of {@code count} over each partition {@code name} covers. */
    public long sum(String name, ToLongFunction<Partition> count) {
        long sum = 0;
        for (Partition p : covering(name)) sum += count.applyAsLong(p);
        return sum;
    }

    /** Every partitioned queue and its count, read now. */
    public Map<String, Integer> all() {
        refresh();
        return counts;
    }

    /** Reads the layout now. */
    public void refresh() {
        long started = System.currentTimeMillis(); // a read is as old as its start
        beforeRead.run();
        Map<String, String> raw = redis.call(j -> j.hgetAll(Keys.partitions()));
        Map<String, Integer> read = new HashMap<>();
        raw.forEach((queue, n) -> read.put(queue, Integer.parseInt(n)));
        synchronized (this) { // of two overlapping reads, the one started last wins
            if (started < readAt) return;
            counts = Map.copyOf(read);
            readAt = started;
        }
    }

    /** The partition a new job goes to: by its idempotency key's hash, else its id's, else round robin. */
    public Partition pick(String queue, String idempotencyKey, String id) {
        int n = count(queue);
        if (n == 1) return Partition.first(queue);
        return new Partition(queue, pickIndex(queue, idempotencyKey, id, n));
    }

    /** Partition index of a job among {@code n}: see {@link #pick}. */
    int pickIndex(String queue, String idempotencyKey, String id, int n) {
        String identity = idempotencyKey != null ? idempotencyKey : id;
        if (identity != null) { // sent again, it must meet its first copy, which is looked up in one partition
            CRC32 crc = new CRC32();
            crc.update(identity.getBytes(StandardCharsets.UTF_8));
            return (int) (crc.getValue() % n);
        }
        // each process starts its rotation at a random point, so one-shot clients (the CLI) spread too
        AtomicLong next = roundRobin.computeIfAbsent(
                queue, q -> new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 16)));
        return Math.floorMod(next.getAndIncrement(), n);
    }

    /** How many queues' round-robin positions this layout keeps. */
    int rotationCount() {
        return roundRobin.size();
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
     * refused while a partition to drop holds a pending, active, scheduled or dead job (see
     * {@link #retire}). A paused queue's new partitions start paused.
     */
    public int declare(String queue, int n) {
        Names.checkQueue(queue);
        if (n < 1 || n > Names.MAX_PARTITIONS) {
            throw new RefusedException(
                    "partition count must be 1.." + Names.MAX_PARTITIONS + ", got " + n + " for queue '" + queue + "'");
        }
        refresh();
        int before = counts.getOrDefault(queue, 1);
        if (n < before) retire(queue, n, before);
        reopen(queue, before, n); // before the count: a producer that sees it finds them open
        boolean paused = redis.call(j -> j.exists(Keys.of(queue).paused()));
        for (int k = before; k < n && paused; k++) {
            String key = new Partition(queue, k).keys().paused();
            redis.call(j -> j.set(key, "1"));
        }
        write(queue, n);
        refresh();
        return before;
    }

    private void write(String queue, int n) {
        if (n == 1) redis.call(j -> j.hdel(Keys.partitions(), queue));
        else redis.call(j -> j.hset(Keys.partitions(), queue, Integer.toString(n)));
    }

    /**
     * Marks partitions {@code n..before-1} retired, then checks they are empty. enqueue.lua
     * refuses to write into a retired partition (its marker is in the partition's own slot, so
     * the check and the write are one atomic script) and the producer reads the layout again: from
     * the marker on, no job can arrive there, whatever layout a producer holds. Only then is the
     * emptiness check final. If a partition holds jobs, the markers go and the shrink is refused.
     */
    private void retire(String queue, int n, int before) {
        for (int k = n; k < before; k++) {
            String marker = new Partition(queue, k).keys().retired();
            redis.call(j -> j.set(marker, "1"));
        }
        List<String> holding = holding(queue, n, before);
        if (holding.isEmpty()) return;
        reopen(queue, n, before);
        throw new RefusedException("cannot shrink queue '" + queue + "' from " + before + " to " + n
                + " partitions: " + String.join(", ", holding)
                + " still hold jobs; drain them (and purge or requeue their dead jobs) first");
    }

    /** Clears the retired marks of partitions {@code from..to-1}: growing again after a shrink. */
    private void reopen(String queue, int from, int to) {
        for (int k = Math.max(from, 1); k < to; k++) {
            String marker = new Partition(queue, k).keys().retired();
            redis.call(j -> j.del(marker));
        }
    }

    /** The partitions from {@code n} to {@code before - 1} that hold jobs, each with its count. */
    private List<String> holding(String queue, int n, int before) {
        List<String> holding = new ArrayList<>();
        for (int k = n; k < before; k++) {
            Partition p = new Partition(queue, k);
            long jobs = jobs(p);
            if (jobs > 0) holding.add(p.name() + " (" + jobs + " jobs)");
        }
        return holding;
    }

    /** Jobs a partition holds in any unfinished or dead state. */
    private long jobs(Partition partition) {
        Keys keys = partition.keys();
        return redis.call(j -> j.llen(keys.pending()))
                + redis.call(j -> j.zcard(keys.active()))
                + redis.call(j -> j.zcard(keys.scheduled()))
                + redis.call(j -> j.zcard(keys.dead()));
    }
}
