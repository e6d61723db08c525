package io.jobfleet.client;

import io.jobfleet.common.error.JobfleetException;

/**
 * An error answer of the jobfleet HTTP API: its HTTP status, the stable {@link #code()} of its
 * {@code {"error": {"code", "message", "requestId"}}} body (for example {@code bad_request},
 * {@code idempotency_conflict}, {@code queue_full}, {@code redis_unavailable}, {@code
 * unauthorized}), its message (which names the field at fault) and the request id to find it in the
 * API's logs. An answer that is not the API's error JSON (a proxy's page) has the code {@code
 * http_<status>}; an event stream that kept breaking before the job's outcome has status 0 and the
 * code {@code stream_ended}.
 */
public class ApiException extends JobfleetException {
    private final int status;
    private final String requestId;
    private final String jobId;

    /** An answer of HTTP {@code status} with the API's error {@code code}, {@code message} and {@code requestId}. */
    public ApiException(int status, String code, String message, String requestId) {
        this(status, code, message, requestId, null);
    }

    ApiException(int status, String code, String message, String requestId, String jobId) {
        super(code, message);
        this.status = status;
        this.requestId = requestId;
        this.jobId = jobId;
    }

    /** The HTTP status of the answer. */
    public int status() {
        return status;
    }

    /** The API's request id of the answer (its {@code X-Request-Id}), or null when it sent none. */
    public String requestId() {
        return requestId;
    }

    /** The job the error names ({@code jobId}: the holder of a unique key), or null. */
    String jobId() {
        return jobId;
    }

    /** The API's message, with the status, code and request id a log line needs. */
    @Override
    public String getMessage() {
        return "HTTP " + status + " " + code() + ": " + super.getMessage() + " (request " + requestId + ")";
    }
}
