package io.jobfleet.worker;

import io.jobfleet.common.job.RetryPolicy;
import java.time.Duration;

/**
 * How a queue's jobs are retried and how long one attempt may run, unless the job says
 * otherwise. Every worker serving a queue should use the same policy.
 */
public record QueuePolicy(RetryPolicy retry, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(15);
    public static final QueuePolicy DEFAULT = new QueuePolicy(RetryPolicy.DEFAULT, DEFAULT_TIMEOUT);

    public QueuePolicy {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("job timeout must be positive, got " + timeout);
        }
    }
}
