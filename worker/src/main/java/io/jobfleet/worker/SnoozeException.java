package io.jobfleet.worker;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Thrown by a handler to say "not now, again in {@link #delay()}": the job goes back to waiting
 * for that long without spending an attempt and without counting as a failure (no backoff, no
 * circuit-breaker error). {@link JobContext#snooze} throws it for you. A job snoozed more than the
 * worker's {@code maxSnoozes} times is dead, with the reason "snoozed N times (the cap)".
 */
public class SnoozeException extends RuntimeException {
    /** The longest snooze: a longer "not now" is a schedule, not a snooze. */
    public static final Duration MAX_DELAY = Duration.ofDays(7);

    private final Duration delay;

    /**
     * Again in {@code delay} (0 to {@link #MAX_DELAY}).
     *
     * @throws IllegalArgumentException when the delay is null, negative or past the maximum
     */
    public SnoozeException(Duration delay) {
        super("snoozed for " + check(delay).toMillis() + " ms");
        this.delay = delay;
    }

    /**
     * Again when a downstream's {@code Retry-After} header says: a number of seconds ({@code
     * "120"}) or an HTTP date ({@code "Wed, 21 Oct 2026 07:28:00 GMT"}; a date already past means
     * now). Longer than {@link #MAX_DELAY} is cut to it.
     *
     * @throws IllegalArgumentException when the value is neither
     */
    public SnoozeException(String retryAfter) {
        this(retryAfter(retryAfter, Instant.now()));
    }

    /** How long to wait before the job runs again. */
    public Duration delay() {
        return delay;
    }

    static Duration retryAfter(String value, Instant now) {
        if (value == null) throw new IllegalArgumentException("Retry-After is missing");
        String v = value.strip();
        Duration delay;
        if (v.matches("\\d{1,12}")) {
            delay = Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                delay = at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(
                        "Retry-After '" + value + "' is neither a number of seconds nor an HTTP date", e);
            }
        }
        return delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay;
    }

    private static Duration check(Duration delay) {
        if (delay == null || delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException(
                    "snooze delay must be 0 to " + MAX_DELAY.toDays() + " days, got " + delay);
        }
        return delay;
    }
}
