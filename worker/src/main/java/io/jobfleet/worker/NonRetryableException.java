package io.jobfleet.worker;

/** Thrown by a handler when retrying cannot help (bad input, a permanent refusal): the job goes to the DLQ at once. */
public class NonRetryableException extends RuntimeException {
    public NonRetryableException(String message) {
        super(message);
    }

    public NonRetryableException(String message, Throwable cause) {
        super(message, cause);
    }
}
