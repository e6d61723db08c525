package io.jobfleet.common.internal.redis;

import io.jobfleet.common.error.IllegalTransitionException;
import io.jobfleet.common.error.JobCancelledException;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.error.StaleLeaseException;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.job.JobState;
import java.util.List;

/** The scripts' return codes, and the one place they become statuses and exceptions. */
final class Reply {
    static final int NOT_FOUND = -1;
    static final int ILLEGAL_STATE = -2;
    static final int STALE = -3;
    static final int CONFLICT = -4;
    static final int PAUSED = -5;
    static final int CANCELLED = -6;
    static final int QUEUE_FULL = -7;
    /** enqueue: the partition is retired (a shrink dropped it); nothing written, route again. */
    static final int RETIRED = -8;
    /** enqueue: a unique job holds the key and the rule refuses. */
    static final int UNIQUE_REFUSED = -9;
    /** release as a snooze: the job has snoozed as many times as allowed. */
    static final int SNOOZE_CAP = -10;

    private Reply() {}

    static long code(Object reply) {
        if (reply instanceof List<?> list) return (Long) list.get(0);
        return (Long) reply;
    }

    static ReportStatus status(long code) {
        if (code == 1 || code == 2) return ReportStatus.RECORDED;
        if (code == 0) return ReportStatus.REPEATED;
        if (code == NOT_FOUND) return ReportStatus.NOT_FOUND;
        if (code == STALE) return ReportStatus.STALE;
        if (code == CANCELLED) return ReportStatus.CANCELLED;
        return ReportStatus.ILLEGAL_STATE;
    }

    /** Throws the exception for a negative code; {@code state} is the job's state when the script gave it. */
    static void check(long code, String queue, String id, long token, String operation, Object state) {
        if (code >= 0) return;
        if (code == NOT_FOUND) throw new JobNotFoundException(queue, id);
        if (code == STALE) throw new StaleLeaseException(id, token);
        if (code == CANCELLED) throw new JobCancelledException(id);
        JobState current = state == null ? null : JobState.valueOf(state.toString());
        throw new IllegalTransitionException(id, operation, current);
    }
}
