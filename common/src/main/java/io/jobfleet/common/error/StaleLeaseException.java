package io.jobfleet.common.error;

/** Fenced: the caller's lease on the job ran out and the job was taken back, so its outcome is not recorded. */
public class StaleLeaseException extends JobfleetException {
    public StaleLeaseException(String id, long token) {
        super(
                "stale_lease",
                "lease " + token + " on job '" + id + "' is no longer valid: the job was reclaimed,"
                        + " so this outcome is not recorded");
    }
}
