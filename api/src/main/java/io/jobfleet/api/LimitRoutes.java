package io.jobfleet.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.LimitJson;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.LimitStore;
import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A queue's flow-control limits: list with usage (read), set and delete (admin, audited). The
 * scope is one path segment, URL-encoded or not ({@code key%3A*} and {@code key:*} are the same).
 * A request is validated whole before Redis is touched: a bad one is a 400 naming the field, and
 * nothing is written.
 */
final class LimitRoutes {
    private final LimitStore limits;
    private final RedisGuard guard;
    private final AuditLog audit;

    LimitRoutes(LimitStore limits, RedisGuard guard, AuditLog audit) {
        this.limits = limits;
        this.guard = guard;
        this.audit = audit;
    }

    void register(RoutesConfig routes) {
        routes.get("/v1/queues/{queue}/limits", this::list, Role.READ);
        routes.put("/v1/queues/{queue}/limits/{scope}", this::set, Role.ADMIN);
        routes.delete("/v1/queues/{queue}/limits/{scope}", this::delete, Role.ADMIN);
    }

    private void list(Context ctx) {
        String queue = JobRoutes.queue(ctx);
        List<Map<String, Object>> out = new ArrayList<>();
        for (LimitUsage usage : guard.call(() -> limits.list(queue))) out.add(LimitJson.view(usage));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("queue", queue);
        body.put("limits", out);
        Responses.send(ctx, 200, body);
    }

    /** {@code PUT .../limits/{scope} {"concurrency": 5, "rate": 100, "period": "1s"}}: replaces the scope's limit. */
    private void set(Context ctx) {
        String queue = JobRoutes.queue(ctx);
        Limit limit;
        try {
            limit = LimitJson.parse(queue, scope(ctx), Json.read(ctx.body()));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        guard.run(() -> limits.set(limit));
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("scope", limit.scope());
        detail.putAll(LimitJson.body(limit));
        Audit.audited(
                "limit " + limit.scope() + " of queue " + queue,
                () -> guard.run(() -> audit.record(Audit.actor(ctx), "limit-set", queue, 0, detail)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("queue", queue);
        body.put("scope", limit.scope());
        body.putAll(LimitJson.body(limit));
        Responses.send(ctx, 200, body);
    }

    private void delete(Context ctx) {
        String queue = JobRoutes.queue(ctx);
        String scope;
        try {
            scope = Limit.checkScope(scope(ctx));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        boolean deleted = guard.call(() -> limits.delete(queue, scope));
        if (deleted) {
            Audit.audited(
                    "deleting limit " + scope + " of queue " + queue,
                    () -> guard.run(
                            () -> audit.record(Audit.actor(ctx), "limit-delete", queue, 0, Map.of("scope", scope))));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("queue", queue);
        body.put("scope", scope);
        body.put("deleted", deleted);
        Responses.send(ctx, 200, body);
    }

    /** The path's scope, decoded (Javalin hands path parameters over decoded). */
    private static String scope(Context ctx) {
        return ctx.pathParam("scope");
    }
}
