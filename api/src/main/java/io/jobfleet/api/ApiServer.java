package io.jobfleet.api;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.jobfleet.common.Version;
import io.jobfleet.common.internal.metrics.QueueGauges;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.FlowView;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.WorkerRegistry;
import io.jobfleet.common.job.Retention;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API on Javalin (Jetty 12, virtual threads). Thin: every job operation goes through
 * {@link JobStore}, every Redis call through the {@link RedisGuard}. Around each request run the
 * {@link RequestFilters} (request id, auth, metrics); every error is answered by the
 * {@link ErrorMapper}, always as {@code {"error": {"code", "message", "requestId"}}}.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

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
        QueueRoutes queueRoutes = new QueueRoutes(queues, new FlowView(redis), new WorkerRegistry(redis), guard, audit);
        this.events = new JobEvents(store, new io.jobfleet.common.internal.redis.EventStore(redis), guard);
        this.app = Javalin.create(javalin -> {
            configure(javalin);
            jobs.register(javalin.routes);
            queueRoutes.register(javalin.routes);
            events.register(javalin.routes);
            javalin.routes.get(
                    "/health/live",
                    ctx -> Responses.send(ctx, 200, Map.of("status", "live", "version", Version.get())));
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
        new RequestFilters(config, metrics).register(javalin);
        new ErrorMapper(config.maxBodyBytes()).register(javalin);
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
        Responses.send(ctx, ok ? 200 : 503, body);
    }
}
