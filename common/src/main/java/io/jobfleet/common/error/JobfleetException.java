package io.jobfleet.common.error;

/** Base of every error jobfleet reports in its own terms; {@link #code()} is what the API and CLI print. */
public class JobfleetException extends RuntimeException {
    private final String code;

    public JobfleetException(String code, String message) {
        super(message);
        this.code = code;
    }

    public JobfleetException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
