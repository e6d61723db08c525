package io.jobfleet.common.job;

import java.time.Duration;

/**
 * How long things are kept. Finished jobs (succeeded, cancelled, expired) expire after {@code
 * finished}, or are deleted as they end when it is zero (like BullMQ's removeOnComplete: the
 * queue's stats still count them; a duplicate of an idempotency key still answers the job's id);
 * dead jobs stay in the DLQ for {@code dead}, then are deleted by the reaper and counted
 * ({@code deadExpired} in the queue stats), never silently trimmed; idempotency keys live for
 * {@code idempotency}; a job keeps its last {@code errorsKept} attempt errors.
 */
public record Retention(Duration finished, Duration dead, Duration idempotency, int errorsKept) {
    public static final Duration DEFAULT_FINISHED = Duration.ofHours(24);
    public static final Duration DEFAULT_DEAD = Duration.ofDays(30);
    public static final Duration DEFAULT_IDEMPOTENCY = Duration.ofHours(24);
    public static final int DEFAULT_ERRORS_KEPT = 25;
    public static final Retention DEFAULT =
            new Retention(DEFAULT_FINISHED, DEFAULT_DEAD, DEFAULT_IDEMPOTENCY, DEFAULT_ERRORS_KEPT);

    /** This retention with finished jobs kept for {@code value} (zero: not kept). */
    public Retention withFinished(Duration value) {
        return new Retention(value, dead, idempotency, errorsKept);
    }

    public Retention {
        if (finished == null || finished.isNegative())
            throw new IllegalArgumentException("finished-job retention must be zero or positive, got " + finished);
        requirePositive("dead-job retention", dead);
        requirePositive("idempotency key TTL", idempotency);
        if (errorsKept < 1 || errorsKept > 1000) {
            throw new IllegalArgumentException("errors kept per job must be 1..1000, got " + errorsKept);
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
