package io.jobfleet.common.error;

/** The job was cancelled: thrown by {@code ctx.checkCancelled()}, and by the store when a cancelled job reports. */
public class JobCancelledException extends JobfleetException {
    public JobCancelledException(String id) {
        super("job_cancelled", "job '" + id + "' was cancelled");
    }
}
