package io.jobfleet.common.error;

/** The idempotency key is already bound to a job with a different payload. */
public class IdempotencyConflictException extends JobfleetException {
    private final String existingId;

    public IdempotencyConflictException(String key, String existingId) {
        super(
                "idempotency_conflict",
                "idempotency key '" + key + "' was already used for job '" + existingId + "' with a different payload");
        this.existingId = existingId;
    }

    public String existingId() {
        return existingId;
    }
}
