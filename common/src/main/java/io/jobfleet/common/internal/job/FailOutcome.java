package io.jobfleet.common.internal.job;

/** What a recorded failure did: a retry due at {@code dueAt} (server time, ms), a dead job, or nothing new. */
public record FailOutcome(Kind kind, long dueAt) {
    public enum Kind {
        RETRY,
        DEAD,
        /** An earlier run of the same call (a client retry after a lost reply) already recorded it. */
        REPEATED
    }

    public static final FailOutcome DEAD = new FailOutcome(Kind.DEAD, 0);
    public static final FailOutcome REPEATED = new FailOutcome(Kind.REPEATED, 0);

    public static FailOutcome retryAt(long dueAt) {
        return new FailOutcome(Kind.RETRY, dueAt);
    }

    public boolean dead() {
        return kind == Kind.DEAD;
    }
}
