package io.jobfleet.common.error;

public class JobNotFoundException extends JobfleetException {
    public JobNotFoundException(String queue, String id) {
        super(
                "job_not_found",
                "no job '" + id + "' in queue '" + queue + "' (never enqueued, or expired after its retention)");
    }
}
