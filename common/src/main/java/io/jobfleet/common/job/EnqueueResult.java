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
        /** A unique job (see {@link Unique}) already holds the key: {@code id} is that job; nothing was enqueued. */
        DUPLICATE,
        /** A unique job holding the key still waited: its payload was replaced; {@code id} is that job. */
        REPLACED,
        /** A unique job holds the key and the rule says refuse: {@code id} is that job; nothing was enqueued. */
        REFUSED,
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
