package io.jobfleet.client;

import io.jobfleet.common.internal.redis.DeadLetters;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.JobRecord;
import java.util.List;
import java.util.Optional;

/**
 * The dead-letter queues, as {@code jobfleet dlq} works them: list and count dead jobs, read one
 * whole, send them back to pending (or into another queue), delete them. Obtained from {@link
 * JobfleetClient#deadLetters()}; shares its connection. A queue name covers all its partitions.
 * Moves happen in atomic batches: a call that fails part way leaves each job moved or still dead.
 * Every method may throw {@link io.jobfleet.common.error.RedisUnavailableException} (worth
 * retrying: a repeated call moves nothing twice).
 */
public final class DeadLetterQueue {
    private final DeadLetters dead;
    private final QueueStore queues;
    private final JobStore jobs;

    DeadLetterQueue(Redis redis, QueueStore queues, JobStore jobs) {
        this.dead = new DeadLetters(redis);
        this.queues = queues;
        this.jobs = jobs;
    }

    /** How many dead jobs {@code queue} holds. */
    public long count(String queue) {
        return dead.count(queue);
    }

    /**
     * Up to {@code limit} dead jobs matching {@code filter} ({@link DeadLetters.Filter#ALL} for
     * every one), oldest death first, from {@code cursor} (0 for the start; the page's {@code next}
     * continues, -1 at the end). Each entry has the last error but not the payload: see {@link #show}.
     *
     * @throws IllegalArgumentException when {@code limit} is not positive
     */
    public DeadLetters.Page list(String queue, DeadLetters.Filter filter, long cursor, int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be positive, got " + limit);
        return dead.list(queue, filter, cursor, limit);
    }

    /** The whole record of dead job {@code id} (payload, every attempt's error); empty when there is no such job. */
    public Optional<JobRecord> show(String queue, String id) {
        return dead.records(queue, List.of(id)).stream().findFirst();
    }

    /**
     * Moves these dead jobs back to pending, from attempt 0 when {@code resetAttempts}; returns how
     * many moved. Ids that are not dead jobs of the queue are left alone.
     */
    public int requeue(String queue, List<String> ids, boolean resetAttempts) {
        return queues.requeue(queue, ids, resetAttempts);
    }

    /**
     * Moves these dead jobs of {@code from} into queue {@code to}, with the same ids and attempt
     * limits; returns how many moved. A job the target refused (its partition full or down) stays
     * dead here; run the call again for those.
     *
     * @throws io.jobfleet.common.error.QueueFullException or {@link
     *     io.jobfleet.common.error.RedisOutOfMemoryException} when the target took none of them
     */
    public int redrive(String from, List<String> ids, String to) {
        return dead.redrive(from, ids, to, jobs);
    }

    /** Deletes these dead jobs for good (freeing their idempotency keys); returns how many were deleted. */
    public int purge(String queue, List<String> ids) {
        return queues.purge(queue, ids);
    }
}
