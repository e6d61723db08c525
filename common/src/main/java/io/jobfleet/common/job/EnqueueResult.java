package io.jobfleet.common.job;

/** What became of one enqueued job. For {@code CONFLICT}, {@code id} is the job the key already names. */
public record EnqueueResult(String id, Status status) {
    public enum Status {
        CREATED,
        /** The idempotency key (or the job id) was seen before with the same payload: the original job. */
        REPLAYED,
        /** The idempotency key was seen before with another payload: nothing was enqueued. */
        CONFLICT
    }
}
