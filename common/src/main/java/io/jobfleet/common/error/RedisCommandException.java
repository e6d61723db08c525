package io.jobfleet.common.error;

/** Redis answered with an error that retrying will not fix (a permission, a wrong type, a script bug). */
public class RedisCommandException extends JobfleetException {
    public RedisCommandException(String message, Throwable cause) {
        super("redis_error", message, cause);
    }
}
