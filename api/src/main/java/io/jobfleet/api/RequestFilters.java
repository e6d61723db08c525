package io.jobfleet.api;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.javalin.security.RouteRole;
import io.jobfleet.common.job.JobId;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * What runs around every request: before it, a request id (the client's {@code X-Request-Id},
 * or a new one; returned, logged and stored on the jobs it creates), the trace id in the log
 * context and the body-size check; before a matched route, the bearer token and its roles;
 * after it, the request metrics. Routes read the caller with {@link #principal}.
 */
final class RequestFilters {
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final String STARTED = "jobfleet.started";
    private static final String PRINCIPAL = "jobfleet.principal";

    private final ApiConfig config;
    private final ApiMetrics metrics;

    RequestFilters(ApiConfig config, ApiMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    void register(JavalinConfig javalin) {
        javalin.routes.before(this::begin);
        javalin.routes.beforeMatched(this::authorize);
        javalin.routes.after(this::finish);
    }

    /** The caller's token, or null when the API runs open (dev mode) or the route needs none. */
    static Tokens.Principal principal(Context ctx) {
        return ctx.attribute(PRINCIPAL);
    }

    /** The request's W3C traceparent if it is well-formed, else null: a malformed one is ignored, not stored. */
    static String traceparent(Context ctx) {
        String traceparent = ctx.header("traceparent");
        return traceparent != null && TRACEPARENT.matcher(traceparent).matches() ? traceparent : null;
    }

    private void begin(Context ctx) {
        ctx.attribute(STARTED, System.nanoTime());
        String given = ctx.header("X-Request-Id");
        String requestId = given != null && REQUEST_ID.matcher(given).matches() ? given : JobId.next();
        ctx.header("X-Request-Id", requestId);
        MDC.put("requestId", requestId);
        String traceparent = traceparent(ctx);
        if (traceparent != null) MDC.put("traceId", traceparent.substring(3, 35));
        if (ctx.header("Content-Length") != null && ctx.contentLength() > config.maxBodyBytes()) {
            throw new ApiError(413, "payload_too_large", ErrorMapper.tooLarge(config.maxBodyBytes()));
        }
    }

    private void authorize(Context ctx) {
        Set<RouteRole> roles = ctx.routeRoles();
        if (roles.isEmpty() || config.open()) return;
        String header = ctx.header("Authorization");
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).strip()
                : null;
        Tokens.Principal principal = config.tokens().authenticate(token).orElse(null);
        if (principal == null) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "unauthorized", token == null ? "missing bearer token" : "invalid bearer token");
        }
        boolean allowed = roles.stream().anyMatch(r -> principal.has((Role) r));
        if (!allowed) {
            throw new ApiError(
                    403,
                    "forbidden",
                    "token '" + principal.name() + "' lacks the role for this endpoint (needs one of " + roles + ")");
        }
        ctx.attribute(PRINCIPAL, principal);
    }

    private void finish(Context ctx) {
        Long started = ctx.attribute(STARTED);
        Endpoint matched = ctx.endpoints().matchedHttpEndpoint();
        String route = matched != null ? matched.path : "unmatched";
        metrics.requests
                .labelValues(route, ctx.method().name(), Integer.toString(ctx.statusCode()))
                .inc();
        if (started != null) metrics.duration.labelValues(route).observe((System.nanoTime() - started) / 1e9);
        MDC.clear();
    }
}
