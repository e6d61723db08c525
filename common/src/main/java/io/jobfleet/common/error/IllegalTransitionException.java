package io.jobfleet.common.error;

import io.jobfleet.common.job.JobState;

/** A script refused to move a job: the operation is not legal from the job's current state. */
public class IllegalTransitionException extends JobfleetException {
    private final JobState current;

    public IllegalTransitionException(String id, String operation, JobState current) {
        super("illegal_transition", "cannot " + operation + " job '" + id + "': it is " + current);
        this.current = current;
    }

    public JobState current() {
        return current;
    }
}
