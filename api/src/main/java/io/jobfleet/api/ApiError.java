package io.jobfleet.api;

/**
 * An error the API answers with: an HTTP status, a stable code and a message, sent as
 * {@code {"error": {"code", "message", "requestId"}}}. {@code retryAfterSeconds > 0} adds a
 * Retry-After header (429, 503).
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final int retryAfterSeconds;

    public ApiError(int status, String code, String message) {
        this(status, code, message, 0);
    }

    public ApiError(int status, String code, String message, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
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
}
