package io.jobfleet.worker.demo;

import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.JobHandler;
import io.jobfleet.worker.NonRetryableException;
import java.util.Map;

/**
 * Fails its first {@code {"times": N}} attempts, then succeeds; without "times" it always fails.
 * {@code {"nonRetryable": true}} fails with {@link NonRetryableException}, straight to the DLQ.
 */
public final class FailHandler implements JobHandler {
    @Override
    public String type() {
        return "fail";
    }

    @Override
    public Object handle(JobContext ctx) {
        String message = ctx.payload().path("message").asText("demo failure");
        if (ctx.payload().path("nonRetryable").asBoolean(false)) throw new NonRetryableException(message);
        int times = ctx.payload().path("times").asInt(Integer.MAX_VALUE);
        if (ctx.attempt() <= times) {
            throw new IllegalStateException(message + " (attempt " + ctx.attempt() + ")");
        }
        return Map.of("succeededOnAttempt", ctx.attempt());
    }
}
