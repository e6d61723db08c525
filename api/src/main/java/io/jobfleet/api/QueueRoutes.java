package io.jobfleet.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.LimitUsage;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.job.QueueView;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.FlowView;
import io.jobfleet.common.internal.redis.Partitions;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.WorkerRegistry;
import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.common.job.WorkerInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Queue depths (by partition on request), limits and their usage, the workers serving a queue, pause/resume, and the partition count. */
final class QueueRoutes {
    private final QueueStore queues;
    private final FlowView flow;
    private final WorkerRegistry workers;
    private final RedisGuard guard;
    private final AuditLog audit;

    QueueRoutes(QueueStore queues, FlowView flow, WorkerRegistry workers, RedisGuard guard, AuditLog audit) {
        this.audit = audit;
        this.queues = queues;
        this.flow = flow;
        this.workers = workers;
        this.guard = guard;
    }

    void register(RoutesConfig routes) {
        routes.get("/v1/queues", this::list, Role.READ);
        routes.get("/v1/queues/{queue}", this::show, Role.READ);
        routes.post("/v1/queues/{queue}/pause", ctx -> setPaused(ctx, true), Role.ADMIN);
        routes.post("/v1/queues/{queue}/resume", ctx -> setPaused(ctx, false), Role.ADMIN);
        routes.put("/v1/queues/{queue}/partitions", this::partition, Role.ADMIN);
    }

    private void list(Context ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<WorkerInfo> live = guard.call(workers::list);
        for (String queue : guard.call(queues::queues)) out.add(view(guard.call(() -> queues.counts(queue)), live));
        Responses.send(ctx, 200, Map.of("queues", out));
    }

    private void show(Context ctx) {
        String queue = JobRoutes.queue(ctx);
        if (!guard.call(queues::queues).contains(queue)) {
            throw new ApiError(404, "queue_not_found", "no queue '" + queue + "' (nothing was ever enqueued to it)");
        }
        Map<String, Object> body = view(guard.call(() -> queues.counts(queue)), guard.call(workers::list));
        Map<String, Long> stats = new java.util.TreeMap<>();
        guard.call(() -> queues.stats(queue)).forEach((k, v) -> stats.put(k, Long.parseLong(v)));
        body.put("stats", stats);
        body.put("partitions", guard.call(() -> queues.partitionCount(queue)));
        List<LimitUsage> limits = guard.call(() -> flow.limits(queue));
        Map<String, Long> throttledBy = limits.isEmpty() ? Map.of() : guard.call(() -> flow.throttledBy(queue));
        body.put("limits", QueueView.limits(limits, throttledBy));
        if ("true".equals(ctx.queryParam("byPartition"))) {
            List<Map<String, Object>> parts = new ArrayList<>();
            for (QueueCounts c : guard.call(() -> queues.countsByPartition(queue))) parts.add(QueueView.partition(c));
            body.put("byPartition", parts);
        }
        Responses.send(ctx, 200, body);
    }

    /** {@code PUT /v1/queues/{queue}/partitions {"count": N}}: grow freely; shrink only over empty partitions (409). */
    private void partition(Context ctx) {
        String queue = JobRoutes.queue(ctx);
        int count;
        try {
            com.fasterxml.jackson.databind.JsonNode body = Json.read(ctx.body());
            if (body == null || !body.path("count").isInt()) throw new IllegalArgumentException("no count");
            count = body.get("count").intValue();
        } catch (RuntimeException e) {
            throw ApiError.badRequest("send {\"count\": N} with N in 1.." + Names.MAX_PARTITIONS);
        }
        if (count < 1 || count > Names.MAX_PARTITIONS) {
            throw ApiError.badRequest("count must be 1.." + Names.MAX_PARTITIONS + ", got " + count);
        }
        int before;
        try {
            before = guard.call(() -> queues.declarePartitions(queue, count));
        } catch (Partitions.RefusedException e) {
            throw new ApiError(409, e.code(), e.getMessage());
        }
        if (before != count) {
            Audit.audited(
                    "partitioning of queue " + queue,
                    () -> guard.run(() -> audit.record(
                            Audit.actor(ctx), "partition", queue, 0, Map.of("from", before, "to", count))));
        }
        Responses.send(ctx, 200, Map.of("queue", queue, "partitions", count, "previous", before));
    }

    private void setPaused(Context ctx, boolean paused) {
        String queue = JobRoutes.queue(ctx);
        guard.run(() -> {
            if (paused) queues.pause(queue);
            else queues.resume(queue);
        });
        Audit.audited(
                (paused ? "pause" : "resume") + " of queue " + queue,
                () -> guard.run(() -> audit.record(Audit.actor(ctx), paused ? "pause" : "resume", queue, 0, Map.of())));
        Responses.send(ctx, 200, Map.of("queue", queue, "paused", paused));
    }

    private static Map<String, Object> view(QueueCounts c, List<WorkerInfo> live) {
        Map<String, Object> body = QueueView.depths(c);
        List<Map<String, Object>> serving = new ArrayList<>();
        for (WorkerInfo w : live) {
            boolean serves = Arrays.stream(w.queues().split(","))
                    .map(s -> s.split(":")[0])
                    .anyMatch(c.queue()::equals);
            if (serves)
                serving.add(Map.of("id", w.id(), "slots", w.slots(), "busy", w.busy(), "lastBeat", w.lastBeat()));
        }
        body.put("workers", serving);
        return body;
    }
}
