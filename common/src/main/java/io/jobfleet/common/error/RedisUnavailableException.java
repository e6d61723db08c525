package io.jobfleet.common.error;

/** Redis cannot be reached or cannot serve right now (down, loading, failing over). Worth retrying. */
public class RedisUnavailableException extends JobfleetException {
    public RedisUnavailableException(String message, Throwable cause) {
        super("redis_unavailable", message, cause);
    }
}
