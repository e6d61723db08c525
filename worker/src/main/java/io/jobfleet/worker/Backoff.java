package io.jobfleet.worker;

import io.github.resilience4j.core.IntervalFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The in-process backoff of the worker's loops while Redis is unavailable: 100 ms doubling to 5 s, with jitter. */
final class Backoff {
    private static final Logger log = LoggerFactory.getLogger(Backoff.class);
    static final IntervalFunction INTERVALS = IntervalFunction.ofExponentialRandomBackoff(100, 2.0, 0.5, 5_000);

    private Backoff() {}

    static long delayMs(int failures) {
        return INTERVALS.apply(Math.max(1, Math.min(failures, 30)));
    }

    static void logUnexpected(String loop, RuntimeException e) {
        log.error("{} failed unexpectedly; it carries on after a pause", loop, e);
    }
}
