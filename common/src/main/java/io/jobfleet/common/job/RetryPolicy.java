package io.jobfleet.common.job;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: after failed attempt n the job waits a uniformly random
 * time in [0, min(cap, base * multiplier^(n-1))]. The defaults give ceilings of 1 s, 5 s, 25 s and
 * 125 s; the fifth failure makes the job dead.
 */
public record RetryPolicy(long baseMs, double multiplier, long capMs, int maxAttempts) {
    public static final long DEFAULT_BASE_MS = 1_000;
    public static final double DEFAULT_MULTIPLIER = 5.0;
    public static final long DEFAULT_CAP_MS = 3_600_000;
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** The largest cap: beyond it the arithmetic overflows (nextLong, the due time as a Lua number). */
    public static final long MAX_CAP_MS = java.time.Duration.ofDays(30).toMillis();

    public static final RetryPolicy DEFAULT =
            new RetryPolicy(DEFAULT_BASE_MS, DEFAULT_MULTIPLIER, DEFAULT_CAP_MS, DEFAULT_MAX_ATTEMPTS);

    public RetryPolicy {
        if (baseMs < 0) throw new IllegalArgumentException("retry base must be >= 0 ms, got " + baseMs);
        if (multiplier < 1.0) throw new IllegalArgumentException("retry multiplier must be >= 1, got " + multiplier);
        if (capMs < baseMs)
            throw new IllegalArgumentException("retry cap (" + capMs + " ms) must be >= base (" + baseMs + " ms)");
        if (capMs > MAX_CAP_MS)
            throw new IllegalArgumentException(
                    "retry cap must be at most 30 days (" + MAX_CAP_MS + " ms), got " + capMs + " ms");
        if (maxAttempts < 1 || maxAttempts > 1000) {
            throw new IllegalArgumentException("max attempts must be 1..1000, got " + maxAttempts);
        }
    }

    /** The upper bound of the wait after failed attempt {@code attempt} (1-based). */
    public long ceilingMs(int attempt) {
        double ceiling = baseMs * Math.pow(multiplier, Math.max(0, attempt - 1));
        return (long) Math.min(capMs, ceiling);
    }

    public long delayMs(int attempt) {
        return ThreadLocalRandom.current().nextLong(ceilingMs(attempt) + 1);
    }

    /** As kept on a job record that overrides its queue's policy: "base,multiplier,cap". */
    public String backoffField() {
        return baseMs + "," + multiplier + "," + capMs;
    }

    public RetryPolicy withBackoffField(String field, Integer jobMaxAttempts) {
        int max = jobMaxAttempts != null ? jobMaxAttempts : maxAttempts;
        if (field == null || field.isEmpty())
            return max == maxAttempts ? this : new RetryPolicy(baseMs, multiplier, capMs, max);
        String[] parts = field.split(",");
        // a job stored before the cap had a bound may carry a larger one: it retries within the bound
        long cap = Math.min(Long.parseLong(parts[2]), MAX_CAP_MS);
        return new RetryPolicy(Math.min(Long.parseLong(parts[0]), cap), Double.parseDouble(parts[1]), cap, max);
    }
}
