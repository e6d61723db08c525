package io.jobfleet.common.redis;

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
 * {@link JobStore}. Thread-safe.
 */
public final class QueueStore {
    private final Redis redis;

    public QueueStore(Redis redis) {
        this.redis = redis;
    }

    /** The queue depth an autoscaler reads: LLEN of the pending list. */
    public long depth(String queue) {
        return redis.call(j -> j.llen(Keys.of(queue).pending()));
    }

    public QueueCounts counts(String queue) {
        Keys keys = Keys.of(queue);
        long pending = redis.call(j -> j.llen(keys.pending()));
        long active = redis.call(j -> j.zcard(keys.active()));
        long scheduled = redis.call(j -> j.zcard(keys.scheduled()));
        long dead = redis.call(j -> j.zcard(keys.dead()));
        boolean paused = redis.call(j -> j.exists(keys.paused()));
        return new QueueCounts(queue, pending, active, scheduled, dead, paused, oldestPendingAgeMs(keys));
    }

    private long oldestPendingAgeMs(Keys keys) {
        String oldest = redis.call(j -> j.lindex(keys.pending(), -1));
        if (oldest == null) return 0;
        String enqueuedAt = redis.call(j -> j.hget(keys.job(oldest), "enqueuedAt"));
        return enqueuedAt == null ? 0 : Math.max(0, redis.serverTimeMs() - Long.parseLong(enqueuedAt));
    }

    /** Counters kept per queue: succeeded, retried, dead, cancelled, orphansRecovered, purged, deadExpired. */
    public Map<String, String> stats(String queue) {
        return redis.call(j -> j.hgetAll(Keys.of(queue).stats()));
    }

    /** Outcomes per minute over the last {@code minutes} minutes (oldest first, the current minute last). */
    public List<Map<String, Long>> perMinute(String queue, int minutes) {
        Keys keys = Keys.of(queue);
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
        redis.call(j -> j.set(Keys.of(queue).paused(), "1"));
    }

    public void resume(String queue) {
        redis.call(j -> j.del(Keys.of(queue).paused()));
    }

    /** Dead job ids, oldest first, that died at or before {@code diedBeforeMs} (server time), from {@code offset}. */
    public List<String> deadIds(String queue, long diedBeforeMs, long offset, int limit) {
        List<Tuple> tuples = redis.call(j -> j.zrangeByScoreWithScores(
                Keys.of(queue).dead(), "-inf", Long.toString(diedBeforeMs), (int) offset, limit));
        List<String> ids = new ArrayList<>(tuples.size());
        for (Tuple t : tuples) ids.add(t.getElement());
        return ids;
    }

    /** DEAD -> QUEUED for these jobs; returns how many moved. Jobs no longer dead are left alone. */
    public int requeue(String queue, List<String> ids, boolean resetAttempts) {
        if (ids.isEmpty()) return 0;
        Keys keys = Keys.of(queue);
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
        return purge(queue, deadIds(queue, cutoff, 0, limit), "deadExpired");
    }

    int purge(String queue, List<String> ids, String counter) {
        if (ids.isEmpty()) return 0;
        Keys keys = Keys.of(queue);
        List<String> args = new ArrayList<>(ids.size() + 1);
        args.add(counter);
        args.addAll(ids);
        return ((Long) redis.run(Script.PURGE, List.of(keys.dead(), keys.prefix(), keys.stats()), args)).intValue();
    }
}
