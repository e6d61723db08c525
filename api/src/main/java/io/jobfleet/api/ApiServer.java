package io.jobfleet.api;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.jobfleet.common.Version;
import io.jobfleet.common.error.IdempotencyConflictException;
import io.jobfleet.common.error.IllegalTransitionException;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.error.QueueFullException;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.metrics.QueueGauges;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.WorkerRegistry;
import io.jobfleet.common.job.JobId;
import io.jobfleet.common.job.Retention;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP API on Javalin (Jetty 12, virtual threads). Thin: every job operation goes through
 * {@link JobStore}, every Redis call through the {@link RedisGuard}. Each request gets a request
 * id (the client's {@code X-Request-Id}, or a new one) that is returned, logged and stored on
 * the jobs it creates. Errors are always {@code {"error": {"code", "message", "requestId"}}}.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final String STARTED = "jobfleet.started";
    static final String PRINCIPAL = "jobfleet.principal";

    private final ApiConfig config;
    private final Redis redis;
    private final RedisGuard guard;
    private final ApiMetrics metrics;
    private final Javalin app;
    private volatile int scriptsLoaded;
    private final QueueGauges gauges;
    private final JobEvents events;

    public ApiServer(Redis redis, ApiConfig config) {
        this.config = config;
        this.redis = redis;
        this.metrics = new ApiMetrics(this::breakerState);
        this.guard = new RedisGuard(
                config.breakerOpenFor(),
                () -> metrics.redisErrors.labelValues("api").inc());
        JobStore store = new JobStore(redis, Retention.DEFAULT);
        QueueStore queues = new QueueStore(redis);
        this.gauges = new QueueGauges(metrics.registry, redis, queues::queues);
        AuditLog audit = new AuditLog(redis);
        JobRoutes jobs = new JobRoutes(config, store, guard, metrics, audit);
        QueueRoutes queueRoutes = new QueueRoutes(queues, new WorkerRegistry(redis), guard, audit);
        this.events = new JobEvents(store, new io.jobfleet.common.internal.redis.EventStore(redis), guard);
        this.app = Javalin.create(javalin -> {
            configure(javalin);
            jobs.register(javalin.routes);
            queueRoutes.register(javalin.routes);
            events.register(javalin.routes);
            javalin.routes.get(
                    "/health/live", ctx -> send(ctx, 200, Map.of("status", "live", "version", Version.get())));
            javalin.routes.get("/health/ready", this::ready);
            javalin.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
        });
    }

    private void configure(JavalinConfig javalin) {
        javalin.jetty.host = config.host();
        javalin.jetty.port = config.port();
        javalin.http.maxRequestSize = config.maxBodyBytes();
        javalin.http.prefer405over404 = true;
        javalin.concurrency.useVirtualThreads = true;
        javalin.startup.showJavalinBanner = false;
        javalin.routes.before(this::begin);
        javalin.routes.beforeMatched(this::authorize);
        javalin.routes.after(this::finish);
        javalin.routes.exception(
                ApiError.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage(), e.retryAfterSeconds()));
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
                        e.getStatus() == 413
                                ? "request body is larger than " + config.maxBodyBytes() + " bytes"
                                : e.getMessage(),
                        0));
        javalin.routes.exception(Exception.class, (e, ctx) -> {
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
        });
        javalin.routes.error(404, ctx -> {
            if (ctx.result() == null)
                error(ctx, 404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path(), 0);
        });
        javalin.routes.error(
                405,
                ctx -> error(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path(), 0));
    }

    private int breakerState() {
        return switch (guard.state()) {
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 0;
        };
    }

    public ApiServer start() {
        app.start();
        gauges.start();
        try {
            scriptsLoaded = redis.loadScripts();
        } catch (RuntimeException e) {
            log.warn(
                    "could not load scripts into Redis yet ({}); /health/ready reports not ready until it answers",
                    e.getMessage());
        }
        if (config.open()) {
            log.warn(
                    "THE API RUNS WITHOUT AUTHENTICATION (dev mode): anyone who reaches port {} can enqueue and cancel jobs",
                    port());
        }
        log.info("API listening on {}:{}", config.host(), port());
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        events.close(); // event streams end first, while Redis and the server are still there
        gauges.close();
        app.stop();
    }

    private void begin(Context ctx) {
        ctx.attribute(STARTED, System.nanoTime());
        String given = ctx.header("X-Request-Id");
        String requestId = given != null && REQUEST_ID.matcher(given).matches() ? given : JobId.next();
        ctx.header("X-Request-Id", requestId);
        MDC.put("requestId", requestId);
        String traceparent = ctx.header("traceparent");
        if (traceparent != null && TRACEPARENT.matcher(traceparent).matches()) {
            MDC.put("traceId", traceparent.substring(3, 35));
        }
        if (ctx.header("Content-Length") != null && ctx.contentLength() > config.maxBodyBytes()) {
            throw new ApiError(
                    413, "payload_too_large", "request body is larger than " + config.maxBodyBytes() + " bytes");
        }
    }

    private void authorize(Context ctx) {
        Set<io.javalin.security.RouteRole> roles = ctx.routeRoles();
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
        io.javalin.router.Endpoint matched = ctx.endpoints().matchedHttpEndpoint();
        String route = matched != null ? matched.path : "unmatched";
        metrics.requests
                .labelValues(route, ctx.method().name(), Integer.toString(ctx.statusCode()))
                .inc();
        if (started != null) metrics.duration.labelValues(route).observe((System.nanoTime() - started) / 1e9);
        MDC.clear();
    }

    private void ready(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean ok;
        try {
            guard.run(redis::ping);
            body.put("redis", "ok");
            if (scriptsLoaded == 0) scriptsLoaded = guard.call(redis::loadScripts);
            body.put("scripts", scriptsLoaded);
            ok = true;
        } catch (RuntimeException e) {
            body.put("redis", e.getMessage());
            ok = false;
        }
        Redis.PoolStats pool = redis.poolStats();
        body.put("pool", Map.of("active", pool.active(), "idle", pool.idle(), "max", pool.max()));
        body.put("circuitBreaker", guard.state().name());
        body.put("status", ok ? "ready" : "not ready");
        send(ctx, ok ? 200 : 503, body);
    }

    /** Who an audited action is recorded under: the token's name, or "api (dev, no auth)". */
    static String actor(Context ctx) {
        Tokens.Principal principal = ctx.attribute(PRINCIPAL);
        return principal == null ? "api (dev, no auth)" : principal.name() + " (api)";
    }

    /** The request's W3C traceparent if it is well-formed, else null: a malformed one is ignored, not stored. */
    static String traceparent(Context ctx) {
        String traceparent = ctx.header("traceparent");
        return traceparent != null && TRACEPARENT.matcher(traceparent).matches() ? traceparent : null;
    }

    /**
     * Writes the audit entry of an action that has already taken effect. If that write fails
     * (Redis full or gone) the action still happened, so it is logged, not answered as an error:
     * a 503 would tell the client its cancel or resume failed when it did not.
     */
    static void audited(String action, Runnable record) {
        try {
            record.run();
        } catch (RuntimeException e) {
            log.warn("{} took effect but its audit entry was not written: {}", action, e.getMessage());
        }
    }

    static void send(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }

    static void error(Context ctx, int status, String code, String message, int retryAfterSeconds) {
        if (retryAfterSeconds > 0) ctx.header("Retry-After", Integer.toString(retryAfterSeconds));
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("requestId", ctx.res().getHeader("X-Request-Id"));
        send(ctx, status, Map.of("error", error));
    }
}
