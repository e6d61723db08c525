package io.jobfleet.common.internal.redis;

import io.jobfleet.common.error.IdempotencyConflictException;
import io.jobfleet.common.error.QueueFullException;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The producer's side of a job: enqueue (single or batch, over the queue's partitions), read and
 * cancel, each a Lua script run atomically in Redis. A worker's side (claim to ack, reap,
 * promote) is {@link Leases}; fleet views and the dead-letter queue are {@link QueueStore}.
 * Thread-safe. Errors arrive as jobfleet exceptions: a transient Redis failure is a
 * {@link io.jobfleet.common.error.RedisUnavailableException}, which callers retry; every script is
 * safe to run again with the same arguments.
 */
public final class JobStore {
    private final Redis redis;
    private final Retention retention;
    private final Partitions partitions;
    private final Enqueue enqueue;

    public JobStore(Redis redis, Retention retention) {
        this.redis = redis;
        this.retention = retention;
        this.partitions = redis.partitions();
        this.enqueue = new Enqueue(redis, retention, partitions);
    }

    public Retention retention() {
        return retention;
    }

    /** Enqueues one job. A reused idempotency key with another payload throws {@link IdempotencyConflictException}. */
    public EnqueueResult enqueue(NewJob job) {
        EnqueueResult result = enqueue(List.of(job), 0).get(0);
        if (result.status() == EnqueueResult.Status.CONFLICT) {
            throw new IdempotencyConflictException(job.idempotencyKey(), result.id());
        }
        return result;
    }

    /**
     * Enqueues jobs of one queue, each with its own result: one round trip per partition the
     * batch touches. With {@code maxDepth > 0}, refuses the whole batch ({@link QueueFullException})
     * when it would take a pending list past that depth (its share of it, when partitioned). When
     * one partition refuses its part while others' went in, its jobs are answered
     * {@link EnqueueResult.Status#NOT_ENQUEUED}: send those again. When none went in, throws.
     */
    public List<EnqueueResult> enqueue(List<NewJob> jobs, long maxDepth) {
        return enqueue.run(jobs, maxDepth);
    }

    /** How many queues this store remembers as registered (bounded: see {@link QueueNames}). */
    int registeredQueueCount() {
        return enqueue.registeredQueueCount();
    }

    /**
     * Cancels a queued, scheduled or running job at once; returns the state it was in. A job
     * already cancelled returns CANCELLED; a finished one throws
     * {@link io.jobfleet.common.error.IllegalTransitionException}.
     */
    public JobState cancel(String queue, String id) {
        Keys keys = locate(queue, id).keys();
        List<?> out = (List<?>) redis.run(
                Script.CANCEL,
                List.of(
                        keys.pending(),
                        keys.scheduled(),
                        keys.active(),
                        keys.job(id),
                        keys.stats(),
                        keys.steps(id),
                        keys.prefix()),
                List.of(id, Long.toString(retention.finished().toMillis())));
        long code = (Long) out.get(0);
        Reply.check(code, queue, id, 0, "cancel", out.size() > 1 ? out.get(1) : null);
        return code == 0 ? JobState.CANCELLED : JobState.valueOf((String) out.get(1));
    }

    /**
     * Changes a waiting (QUEUED or SCHEDULED) job's priority, 0 (first) to
     * {@link NewJob#MAX_PRIORITY}; returns its state. A job that no longer waits throws
     * {@link io.jobfleet.common.error.IllegalTransitionException}.
     */
    public JobState prioritize(String queue, String id, int priority) {
        if (priority < 0 || priority > NewJob.MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be 0..." + NewJob.MAX_PRIORITY + ", got " + priority);
        }
        Keys keys = locate(queue, id).keys();
        List<?> out = (List<?>) redis.run(
                Script.PRIORITIZE,
                List.of(keys.pending(), keys.job(id), keys.prefix()),
                List.of(id, Integer.toString(priority)));
        long code = (Long) out.get(0);
        Reply.check(code, queue, id, 0, "prioritize", out.size() > 1 ? out.get(1) : null);
        return JobState.valueOf((String) out.get(1));
    }

    /**
     * The job {@code id} of {@code queue}. For a partitioned queue, its partitions are probed in
     * turn (one round trip each); the record's {@link JobRecord#queue()} is the partition it lives in.
     */
    public Optional<JobRecord> get(String queue, String id) {
        for (Partition p : partitions.covering(queue)) {
            Map<String, String> fields = redis.call(j -> j.hgetAll(p.keys().job(id)));
            if (!fields.isEmpty()) return Optional.of(JobRecord.fromHash(p.name(), id, fields));
        }
        return Optional.empty();
    }

    /** The partition holding job {@code id}: the one it is found in, else the first {@code queue} covers. */
    Partition locate(String queue, String id) {
        List<Partition> covered = partitions.covering(queue);
        if (covered.size() > 1) {
            for (Partition p : covered) {
                if (redis.call(j -> j.exists(p.keys().job(id)))) return p;
            }
        }
        return covered.get(0);
    }
}
