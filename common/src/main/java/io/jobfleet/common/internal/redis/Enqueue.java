package io.jobfleet.common.internal.redis;

import io.jobfleet.common.error.JobfleetException;
import io.jobfleet.common.error.QueueFullException;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobId;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import io.jobfleet.common.job.Unique;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enqueue operation of {@link JobStore}: one enqueue.lua call per partition a batch touches.
 * A partition that refuses its part (full, unreachable, an error) fails only its own jobs, which
 * are answered {@code NOT_ENQUEUED}, while the other partitions' jobs go in; when no job went
 * in, the error is thrown. A retired partition (a shrink the caller's layout has not seen yet)
 * writes nothing: the layout is read again and its jobs are routed again. Thread-safe.
 */
final class Enqueue {
    private static final Logger log = LoggerFactory.getLogger(Enqueue.class);
    /** Rounds of re-routing after a retired partition: a stale layout needs one; a shrink being refused a few. */
    private static final int MAX_ROUNDS = 5;

    private final Redis redis;
    private final Retention retention;
    private final Partitions partitions;
    /** When each queue was last added to the fleet's queue set; refreshed every minute, so a lost set heals. */
    private final QueueNames<Long> registeredQueues = new QueueNames<>();

    Enqueue(Redis redis, Retention retention, Partitions partitions) {
        this.redis = redis;
        this.retention = retention;
        this.partitions = partitions;
    }

    List<EnqueueResult> run(List<NewJob> jobs, long maxDepth) {
        if (jobs.isEmpty()) return List.of();
        String queue = jobs.get(0).queue();
        for (NewJob job : jobs) {
            if (!job.queue().equals(queue)) {
                throw new IllegalArgumentException(
                        "a batch goes to one queue; got '" + queue + "' and '" + job.queue() + "'");
            }
        }
        EnqueueResult[] results = new EnqueueResult[jobs.size()];
        List<Integer> left = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) left.add(i);
        for (int round = 0; !left.isEmpty(); round++) {
            try {
                if (round == MAX_ROUNDS) {
                    throw new RedisUnavailableException(
                            "the partitions of queue '" + queue + "' are being changed; retry the enqueue", null);
                }
                if (round > 0) {
                    if (round > 1) pause(50L * round); // a shrink in flight: it ends, one way or the other, in ms
                    partitions.refresh();
                }
                left = route(queue, jobs, left, maxDepth, results);
            } catch (JobfleetException e) {
                if (round == 0) throw e; // nothing written yet
                for (int i : left) results[i] = EnqueueResult.notEnqueued(e);
                left = List.of();
            }
        }
        return answer(queue, results);
    }

    /** The results when some job went in (registering the queue if one was created), else the first error. */
    private List<EnqueueResult> answer(String queue, EnqueueResult[] results) {
        JobfleetException firstError = null;
        boolean wentIn = false;
        boolean created = false;
        for (EnqueueResult r : results) {
            if (r.status() != EnqueueResult.Status.NOT_ENQUEUED) wentIn = true;
            else if (firstError == null) firstError = r.error();
            if (r.status() == EnqueueResult.Status.CREATED) created = true;
        }
        if (!wentIn) throw firstError; // nothing went in: one error for the whole call, as before partitions
        if (created) register(queue);
        return List.of(results);
    }

    /**
     * Routes the jobs at {@code left} over the current layout, one script per partition; fills
     * their results and returns those to route again (their partition is retired).
     */
    private List<Integer> route(
            String queue, List<NewJob> jobs, List<Integer> left, long maxDepth, EnqueueResult[] results) {
        int n = partitions.count(queue);
        // a partitioned queue: each partition takes its share of the depth limit, checked by its script
        long share = n == 1 || maxDepth <= 0 ? maxDepth : (maxDepth + n - 1) / n;
        Map<Partition, List<Integer>> byPartition = new LinkedHashMap<>();
        for (int i : left) {
            NewJob job = jobs.get(i);
            byPartition
                    .computeIfAbsent(partitions.pick(queue, routingKey(job), job.id()), p -> new ArrayList<>())
                    .add(i);
        }
        List<Integer> again = new ArrayList<>();
        for (Map.Entry<Partition, List<Integer>> part : byPartition.entrySet()) {
            List<Integer> at = part.getValue();
            List<EnqueueResult> out;
            try {
                out = enqueueTo(part.getKey(), at.stream().map(jobs::get).toList(), share, maxDepth);
            } catch (JobfleetException e) { // this partition's jobs only: the others may go in
                for (int i : at) results[i] = EnqueueResult.notEnqueued(e);
                continue;
            }
            if (out == null) again.addAll(at); // retired: nothing was written there
            else for (int k = 0; k < at.size(); k++) results[at.get(k)] = out.get(k);
        }
        return again;
    }

    /**
     * One enqueue script call: every job goes to this partition, which holds at most
     * {@code share} pending jobs of the queue's {@code maxDepth}. Null when the partition is retired.
     */
    private List<EnqueueResult> enqueueTo(Partition partition, List<NewJob> jobs, long share, long maxDepth) {
        Keys keys = partition.keys();
        List<String> args = new ArrayList<>(3 + jobs.size() * 24);
        args.add(Integer.toString(jobs.size()));
        args.add(Long.toString(retention.idempotency().toMillis()));
        args.add(Long.toString(share));
        for (NewJob job : jobs) addEnqueueArgs(args, job.id() != null ? job.id() : JobId.next(), job);
        List<?> out = (List<?>) redis.run(
                Script.ENQUEUE, List.of(keys.pending(), keys.scheduled(), keys.prefix(), keys.retired()), args);
        long first = (Long) out.get(0);
        if (first == Reply.RETIRED) return null;
        if (first == Reply.QUEUE_FULL) throw new QueueFullException(partition.queue(), maxDepth);
        List<EnqueueResult> results = new ArrayList<>(jobs.size());
        for (int i = 0; i < out.size(); i += 2) {
            results.add(new EnqueueResult((String) out.get(i + 1), status((Long) out.get(i))));
        }
        return results;
    }

    private static EnqueueResult.Status status(long code) {
        if (code == 1) return EnqueueResult.Status.CREATED;
        if (code == 2) return EnqueueResult.Status.REPLAYED;
        if (code == 3) return EnqueueResult.Status.DUPLICATE;
        if (code == 4) return EnqueueResult.Status.REPLACED;
        if (code == Reply.UNIQUE_REFUSED) return EnqueueResult.Status.REFUSED;
        return EnqueueResult.Status.CONFLICT;
    }

    /**
     * What picks a job's partition: its unique key (all jobs of one key meet in one partition,
     * where the script holds the key), else its idempotency key, else its id.
     */
    private static String routingKey(NewJob job) {
        if (job.unique() != null) return "unique:" + job.unique().key();
        return job.idempotencyKey();
    }

    private static void addEnqueueArgs(List<String> args, String id, NewJob job) {
        args.add(id);
        args.add(job.idempotencyKey() == null ? "" : job.idempotencyKey());
        args.add(job.idempotencyKey() == null ? "" : job.fingerprint());
        args.add(job.delay() == null ? "0" : Long.toString(job.delay().toMillis()));
        args.add(
                job.runAt() == null
                        ? "0"
                        : Long.toString(Math.max(1, job.runAt().toEpochMilli())));
        args.add(job.highPriority() ? "1" : "0");
        args.add(Integer.toString(job.priority()));
        args.add(job.group() == null ? "" : job.group());
        Unique unique = job.unique();
        args.add(unique == null ? "" : unique.key());
        args.add(unique == null ? "" : unique.mode().name().toLowerCase(Locale.ROOT));
        args.add(
                unique == null || unique.period() == null
                        ? "0"
                        : Long.toString(unique.period().toMillis()));
        args.add(unique == null ? "" : unique.onConflict().name().toLowerCase(Locale.ROOT));
        List<String> fields = new ArrayList<>(16);
        fields.add("type");
        fields.add(job.type());
        fields.add("payload");
        fields.add(Json.write(job.payload()));
        // a job's own retry policy carries its attempt limit, unless maxAttempts is given apart
        Integer maxAttempts = job.maxAttempts() != null
                ? job.maxAttempts()
                : job.backoff() != null ? Integer.valueOf(job.backoff().maxAttempts()) : null;
        optional(fields, "maxAttempts", maxAttempts);
        optional(
                fields,
                "timeoutMs",
                job.timeout() == null ? null : job.timeout().toMillis());
        optional(fields, "backoff", job.backoff() == null ? null : job.backoff().backoffField());
        optional(fields, "idemKey", job.idempotencyKey());
        optional(fields, "requestId", job.requestId());
        optional(fields, "traceparent", job.traceparent());
        optional(fields, "submittedBy", job.submitter());
        optional(fields, "limitKey", job.limitKey());
        optional(
                fields,
                "expiresAt",
                job.expiresAt() == null ? null : job.expiresAt().toEpochMilli());
        args.add(Integer.toString(fields.size() / 2));
        args.addAll(fields);
    }

    private static void optional(List<String> fields, String name, Object value) {
        if (value != null) {
            fields.add(name);
            fields.add(value.toString());
        }
    }

    /**
     * Adds the queue to the fleet's queue set, after a job was created in it: never before the
     * script, so a replay (which writes nothing) is not refused when Redis memory is full. A
     * failure here is logged, not thrown: the jobs are in, and the next enqueue registers again.
     */
    private void register(String queue) {
        long now = System.currentTimeMillis();
        Long last = registeredQueues.get(queue);
        if (last != null && now - last < 60_000) return;
        try {
            redis.call(j -> j.sadd(Keys.queues(), queue));
            registeredQueues.put(queue, now);
        } catch (JobfleetException e) {
            log.warn(
                    "queue '{}' not added to the queue list ({}); the next enqueue tries again", queue, e.getMessage());
        }
    }

    int registeredQueueCount() {
        return registeredQueues.size();
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisUnavailableException("interrupted while waiting for a partition change", e);
        }
    }
}
