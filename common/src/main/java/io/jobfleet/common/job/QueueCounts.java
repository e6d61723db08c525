package io.jobfleet.common.job;

/** A queue at one moment: jobs by state, whether it is paused, and how long its oldest pending job has waited. */
public record QueueCounts(
        String queue, long pending, long active, long scheduled, long dead, boolean paused, long oldestPendingAgeMs) {}
