package io.jobfleet.common.internal.redis;

import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.NewJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import redis.clients.jedis.resps.Tuple;

/**
 * Reading and redriving the dead-letter queue in pages, so that 300,000 dead jobs cost bounded
 * memory: the dead sorted set (oldest death first) is walked by offset, and each page's jobs are
 * read with one pipelined round trip. Moves happen in atomic batches ({@link QueueStore#requeue},
 * {@link QueueStore#purge}), so an interrupted run leaves every job moved or still dead. A
 * partitioned queue's dead sets are walked as one: partition 0's, then partition 1's, and so on
 * (oldest first within each partition, not across them).
 */
public final class DeadLetters {
    private static final String[] SUMMARY_FIELDS = {"type", "attempts", "lastError", "deadReason", "finishedAt"};

    private final Redis redis;
    private final QueueStore queues;
    private final Partitions partitions;

    public DeadLetters(Redis redis) {
        this.redis = redis;
        this.queues = new QueueStore(redis);
        this.partitions = redis.partitions();
    }

    /** One dead job, as much as filters and listings need (not its payload or error history). */
    public record DeadJob(String id, String type, int attempts, long diedAt, String lastError, String deadReason) {}

    /**
     * Which dead jobs to act on; null parts match everything. {@code error} is a case-insensitive
     * substring of the last error's class and message (or the dead reason).
     */
    public record Filter(String type, String error, Duration olderThan, Integer minAttempts) {
        public static final Filter ALL = new Filter(null, null, null, null);

        public boolean isAll() {
            return type == null && error == null && olderThan == null && minAttempts == null;
        }

        boolean matches(DeadJob job) {
            if (type != null && !type.equals(job.type())) return false;
            if (minAttempts != null && job.attempts() < minAttempts) return false;
            if (error != null) {
                String needle = error.toLowerCase(Locale.ROOT);
                String last = job.lastError() == null ? "" : job.lastError().toLowerCase(Locale.ROOT);
                String reason = job.deadReason() == null ? "" : job.deadReason().toLowerCase(Locale.ROOT);
                if (!last.contains(needle) && !reason.contains(needle)) return false;
            }
            return true;
        }
    }

    /** A page of matching dead jobs, and the offset to continue from (-1: the end). */
    public record Page(List<DeadJob> jobs, long next) {}

    public long count(String queue) {
        return partitions.sum(queue, p -> redis.call(j -> j.zcard(p.keys().dead())));
    }

    /**
     * Up to {@code limit} matching jobs, reading the dead set from {@code offset}. The returned
     * offset continues the walk (offsets shift if jobs are requeued meanwhile: a listing cursor,
     * not a snapshot).
     */
    public Page list(String queue, Filter filter, long offset, int limit) {
        List<DeadJob> out = new ArrayList<>();
        long position = offset;
        int chunk = Math.max(100, Math.min(1000, limit * 4));
        while (out.size() < limit) {
            List<DeadJob> page = read(queue, filter, position, chunk);
            if (page == null) return new Page(out, -1);
            for (DeadJob job : page) {
                position++;
                if (job == null || !filter.matches(job)) continue;
                out.add(job);
                if (out.size() == limit) break;
            }
        }
        return new Page(out, position);
    }

    /** Dead job ids from {@code offset}, oldest death first: the cheap walk when no filter needs the records. */
    public List<String> ids(String queue, long offset, int count) {
        List<Partition> covered = partitions.covering(queue);
        if (covered.size() == 1) {
            String dead = covered.get(0).keys().dead();
            return redis.call(j -> j.zrange(dead, offset, offset + count - 1));
        }
        List<String> out = new ArrayList<>(count);
        long skip = offset; // the partitions' dead sets one after the other, filled up to count
        for (Partition p : covered) {
            String dead = p.keys().dead();
            long size = redis.call(j -> j.zcard(dead));
            if (skip >= size) {
                skip -= size;
                continue;
            }
            long from = skip;
            long to = from + (count - out.size()) - 1;
            out.addAll(redis.call(j -> j.zrange(dead, from, to)));
            skip = 0;
            if (out.size() == count) break;
        }
        return out;
    }

    /** Calls {@code onPage} with every matching job, a page of up to {@code pageSize} at a time, oldest first. */
    public void forEach(String queue, Filter filter, int pageSize, Consumer<List<DeadJob>> onPage) {
        long offset = 0;
        while (true) {
            List<DeadJob> page = read(queue, filter, offset, pageSize);
            if (page == null) return;
            offset += page.size();
            List<DeadJob> matching = new ArrayList<>(page.size());
            for (DeadJob job : page) if (job != null && filter.matches(job)) matching.add(job);
            if (!matching.isEmpty()) onPage.accept(matching);
        }
    }

    /** Whole records (payload and every attempt's error) of these jobs, in one round trip; missing ones are skipped. */
    public List<JobRecord> records(String queue, List<String> ids) {
        List<JobRecord> records = new ArrayList<>(ids.size());
        List<String> left = ids;
        for (Partition p : partitions.covering(queue)) { // each partition, for the ids not found yet
            if (left.isEmpty()) break;
            Keys keys = p.keys();
            List<Map<String, String>> hashes =
                    redis.hgetAllMany(left.stream().map(keys::job).toList());
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < left.size(); i++) {
                if (hashes.get(i).isEmpty()) missing.add(left.get(i));
                else records.add(JobRecord.fromHash(p.name(), left.get(i), hashes.get(i)));
            }
            left = missing;
        }
        return records;
    }

    /**
     * Moves dead jobs of {@code from} into another queue: each is enqueued there with the same id
     * (routed by that id on a partitioned queue, so a re-run finds it and does not enqueue it
     * twice), then purged here; a copy its partition refused stays dead here. Interrupted between
     * the two, a job is in both until the command is run again. Returns how many were moved.
     */
    public int redrive(String from, List<String> ids, String to, JobStore targetStore) {
        List<JobRecord> records = records(from, ids);
        List<NewJob> copies = new ArrayList<>(records.size());
        for (JobRecord r : records) {
            if (r.state() != io.jobfleet.common.job.JobState.DEAD) continue;
            NewJob copy = NewJob.of(to, r.type(), r.payload())
                    .withId(r.id())
                    .withMaxAttempts(r.maxAttempts())
                    .withTrace(r.requestId(), r.traceparent());
            if (r.timeoutMs() > 0) copy = copy.withTimeout(Duration.ofMillis(r.timeoutMs()));
            copies.add(copy);
        }
        if (copies.isEmpty()) return 0;
        List<io.jobfleet.common.job.EnqueueResult> results = targetStore.enqueue(copies, 0);
        List<String> moved = new ArrayList<>(copies.size());
        for (int i = 0; i < copies.size(); i++) { // a copy refused by its partition stays dead here
            if (results.get(i).status() != io.jobfleet.common.job.EnqueueResult.Status.NOT_ENQUEUED)
                moved.add(copies.get(i).id());
        }
        return queues.purge(from, moved, "redriven");
    }

    /** A page of the dead set from {@code offset} (null at the end); an entry is null when its job hash is gone. */
    private List<DeadJob> read(String queue, Filter filter, long offset, int count) {
        String max = filter.olderThan() == null
                ? "+inf"
                : Long.toString(redis.serverTimeMs() - filter.olderThan().toMillis());
        List<Partition> covered = partitions.covering(queue);
        if (covered.size() == 1) return read(covered.get(0).keys(), max, offset, count);
        long skip = offset; // the partitions' dead sets one after the other
        for (Partition p : covered) {
            Keys keys = p.keys();
            long size = redis.call(j -> j.zcount(keys.dead(), "-inf", max));
            if (skip >= size) {
                skip -= size;
                continue;
            }
            return read(keys, max, skip, count);
        }
        return null;
    }

    @SuppressWarnings("deprecation") // ZRANGEBYSCORE LIMIT; its successor takes doubles, our bounds are "+inf" strings
    private List<DeadJob> read(Keys keys, String max, long offset, int count) {
        List<Tuple> tuples = redis.call(j -> j.zrangeByScoreWithScores(keys.dead(), "-inf", max, (int) offset, count));
        if (tuples.isEmpty()) return null;
        List<String> jobKeys = new ArrayList<>(tuples.size());
        for (Tuple t : tuples) jobKeys.add(keys.job(t.getElement()));
        List<List<String>> values = redis.hmgetMany(jobKeys, SUMMARY_FIELDS);
        List<DeadJob> jobs = new ArrayList<>(tuples.size());
        for (int i = 0; i < tuples.size(); i++) {
            List<String> v = values.get(i);
            if (v.get(0) == null) {
                jobs.add(null);
                continue;
            }
            jobs.add(new DeadJob(
                    tuples.get(i).getElement(),
                    v.get(0),
                    v.get(1) == null ? 0 : Integer.parseInt(v.get(1)),
                    (long) tuples.get(i).getScore(),
                    v.get(2),
                    v.get(3)));
        }
        return jobs;
    }
}
