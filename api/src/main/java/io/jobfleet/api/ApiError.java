package io.jobfleet.api;

/**
 * An error the API answers with: an HTTP status, a stable code and a message, sent as
 * {@code {"error": {"code", "message", "requestId"}}} (and {@code jobId} when it names another
 * job). {@code retryAfterSeconds > 0} adds a Retry-After header (429, 503).
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final int retryAfterSeconds;
    private final String jobId;

    public ApiError(int status, String code, String message) {
        this(status, code, message, 0);
    }

    public ApiError(int status, String code, String message, int retryAfterSeconds) {
        this(status, code, message, retryAfterSeconds, null);
    }

    private ApiError(int status, String code, String message, int retryAfterSeconds, String jobId) {
        super(message);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
        this.jobId = jobId;
    }

    /** A 409 about another job (the one holding a unique key): its id goes in the body as {@code jobId}. */
    public static ApiError conflictWith(String code, String message, String jobId) {
        return new ApiError(409, code, message, 0, jobId);
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, "bad_request", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The job the error is about, or null. */
    public String jobId() {
        return jobId;
    }
}
