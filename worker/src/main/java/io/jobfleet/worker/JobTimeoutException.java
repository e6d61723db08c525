package io.jobfleet.worker;

/** Recorded as the error of an attempt that ran past its timeout and was interrupted. It is retried like any failure. */
public class JobTimeoutException extends RuntimeException {
    public JobTimeoutException(String id, long timeoutMs) {
        super("job '" + id + "' ran past its timeout of " + timeoutMs + " ms and was interrupted");
    }
}
