package io.jobfleet.common.job;

import io.jobfleet.common.error.JobfleetException;

/**
 * What became of one enqueued job. For {@code CONFLICT}, {@code id} is the job the key already
 * names. For {@code NOT_ENQUEUED}, {@code id} is null and {@code error} says why.
 */
public record EnqueueResult(String id, Status status, JobfleetException error) {
    public enum Status {
        CREATED,
        /** The idempotency key (or the job id) was seen before with the same payload: the original job. */
        REPLAYED,
        /** The idempotency key was seen before with another payload: nothing was enqueued. */
        CONFLICT,
        /**
         * Only in a batch split over partitions, where another partition's jobs went in: this
         * job's partition refused it (full, unreachable, an error). Send it again.
         */
        NOT_ENQUEUED
    }

    public EnqueueResult(String id, Status status) {
        this(id, status, null);
    }

    public static EnqueueResult notEnqueued(JobfleetException error) {
        return new EnqueueResult(null, Status.NOT_ENQUEUED, error);
    }
}
