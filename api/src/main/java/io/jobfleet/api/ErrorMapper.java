package io.jobfleet.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.jobfleet.common.error.IdempotencyConflictException;
import io.jobfleet.common.error.IllegalTransitionException;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.error.QueueFullException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error the API answers, in one place: which exception becomes which HTTP status and code,
 * and the one body they all share, {@code {"error": {"code", "message", "requestId"}}}, with
 * {@code Retry-After} when the client should come back later.
 */
final class ErrorMapper {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

    private final long maxBodyBytes;

    ErrorMapper(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    void register(JavalinConfig javalin) {
        javalin.routes.exception(
                ApiError.class,
                (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage(), e.retryAfterSeconds(), e.jobId()));
        javalin.routes.exception(JobNotFoundException.class, (e, ctx) -> error(ctx, 404, e.code(), e.getMessage(), 0));
        javalin.routes.exception(
                IllegalTransitionException.class, (e, ctx) -> error(ctx, 409, e.code(), e.getMessage(), 0));
        javalin.routes.exception(
                IdempotencyConflictException.class, (e, ctx) -> error(ctx, 409, e.code(), e.getMessage(), 0));
        javalin.routes.exception(QueueFullException.class, (e, ctx) -> error(ctx, 429, e.code(), e.getMessage(), 1));
        javalin.routes.exception(
                HttpResponseException.class,
                (e, ctx) -> error(
                        ctx,
                        e.getStatus(),
                        e.getStatus() == 413
                                ? "payload_too_large"
                                : e.getStatus() == 404 ? "not_found" : "http_" + e.getStatus(),
                        e.getStatus() == 413 ? tooLarge(maxBodyBytes) : e.getMessage(),
                        0));
        javalin.routes.exception(Exception.class, ErrorMapper::unexpected);
        javalin.routes.error(404, ctx -> {
            if (ctx.result() == null)
                error(ctx, 404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path(), 0);
        });
        javalin.routes.error(
                405,
                ctx -> error(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path(), 0));
    }

    /** The message of a 413, whether Javalin or {@link RequestFilters} refused the body. */
    static String tooLarge(long maxBodyBytes) {
        return "request body is larger than " + maxBodyBytes + " bytes";
    }

    private static void unexpected(Exception e, Context ctx) {
        String path;
        try {
            path = ctx.path();
        } catch (RuntimeException gone) {
            // the exchange already ended (a client that closed an event stream): nobody to answer
            log.debug("request ended before its error could be answered", e);
            return;
        }
        log.error("request {} {} failed", ctx.method(), path, e);
        error(ctx, 500, "internal_error", "internal error; the request id is in the logs", 0);
    }

    static void error(Context ctx, int status, String code, String message, int retryAfterSeconds) {
        error(ctx, status, code, message, retryAfterSeconds, null);
    }

    /** {@code jobId}, when not null, names the job the error is about (the holder of a unique key). */
    static void error(Context ctx, int status, String code, String message, int retryAfterSeconds, String jobId) {
        if (retryAfterSeconds > 0) ctx.header("Retry-After", Integer.toString(retryAfterSeconds));
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("requestId", ctx.res().getHeader("X-Request-Id"));
        if (jobId != null) error.put("jobId", jobId);
        Responses.send(ctx, status, Map.of("error", error));
    }
}
