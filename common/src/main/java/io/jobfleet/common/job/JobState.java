package io.jobfleet.common.job;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a job and the only transitions between them. This enum is the specification:
 * each Lua script makes one of these moves and refuses any other, and a table-driven test checks
 * the scripts against {@link #canMoveTo}.
 */
public enum JobState {
    QUEUED,
    SCHEDULED,
    ACTIVE,
    SUCCEEDED,
    DEAD,
    CANCELLED,
    /** Not started by its expiresAt: never run, kept with the reason for the finished jobs' retention. */
    EXPIRED;

    public Set<JobState> next() {
        return switch (this) {
            case QUEUED -> EnumSet.of(ACTIVE, CANCELLED, EXPIRED);
            case SCHEDULED -> EnumSet.of(QUEUED, CANCELLED);
            case ACTIVE -> EnumSet.of(SUCCEEDED, SCHEDULED, QUEUED, DEAD, CANCELLED);
            case DEAD -> EnumSet.of(QUEUED);
            case SUCCEEDED, CANCELLED, EXPIRED -> EnumSet.noneOf(JobState.class);
        };
    }

    public boolean canMoveTo(JobState target) {
        return next().contains(target);
    }

    /** Finished for good: the record only waits for its retention to run out. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == CANCELLED || this == EXPIRED;
    }
}
