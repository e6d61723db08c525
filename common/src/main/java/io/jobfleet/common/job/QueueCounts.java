package io.jobfleet.common.job;

/**
 * A queue at one moment: jobs by state, whether it is paused, and how long its oldest pending job
 * has waited. {@code pending} counts every job waiting to run, wherever flow control keeps it: the
 * pending list, and of those the {@code prioritized} ones (priority 1..9), the {@code grouped}
 * ones (in a fairness group's list) and the {@code parked} ones (held back by a limit). The
 * pending list may also hold a marker per group with waiting jobs and wake-up markers: they are
 * counted too, so {@code pending} can run a few above the jobs that wait, never below.
 */
public record QueueCounts(
        String queue,
        long pending,
        long active,
        long scheduled,
        long dead,
        boolean paused,
        long oldestPendingAgeMs,
        long prioritized,
        long grouped,
        long parked) {

    /** Counts of a queue without priorities, groups or limits. */
    public QueueCounts(
            String queue,
            long pending,
            long active,
            long scheduled,
            long dead,
            boolean paused,
            long oldestPendingAgeMs) {
        this(queue, pending, active, scheduled, dead, paused, oldestPendingAgeMs, 0, 0, 0);
    }
}
