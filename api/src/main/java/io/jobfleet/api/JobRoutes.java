package io.jobfleet.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.error.QueueFullException;
import io.jobfleet.common.internal.job.Names;
import io.jobfleet.common.internal.redis.AuditLog;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobId;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.MDC;

/**
 * Enqueue (single and batch), read and cancel jobs. Every request is validated completely
 * before Redis is touched, so a refused request leaves Redis as it was. A batch over a
 * partitioned queue is one script per partition: when one partition refuses its part and the
 * others take theirs, the answer is 200 and the refused jobs carry 429 or 503 each (no id), so a
 * client resends only those and the others are not enqueued twice.
 */
final class JobRoutes {
    private final ApiConfig config;
    private final JobStore store;
    private final RedisGuard guard;
    private final ApiMetrics metrics;
    private final AuditLog audit;

    JobRoutes(ApiConfig config, JobStore store, RedisGuard guard, ApiMetrics metrics, AuditLog audit) {
        this.audit = audit;
        this.config = config;
        this.store = store;
        this.guard = guard;
        this.metrics = metrics;
    }

    void register(RoutesConfig routes) {
        routes.post("/v1/queues/{queue}/jobs", this::enqueue, Role.SUBMIT);
        routes.post("/v1/queues/{queue}/jobs/batch", this::enqueueBatch, Role.SUBMIT);
        routes.get("/v1/queues/{queue}/jobs/{id}", this::show, Role.SUBMIT, Role.READ);
        routes.post("/v1/queues/{queue}/jobs/{id}/cancel", this::cancel, Role.SUBMIT, Role.ADMIN);
        routes.post("/v1/queues/{queue}/jobs/{id}/priority", this::prioritize, Role.ADMIN);
    }

    private void enqueue(Context ctx) {
        String queue = queue(ctx);
        NewJob job = EnqueueRequest.parse(ctx.bodyAsBytes())
                .toNewJob(
                        queue,
                        idempotencyKey(ctx),
                        config,
                        requestId(),
                        RequestFilters.traceparent(ctx),
                        submitter(ctx));
        EnqueueResult result = guard.call(() -> store.enqueue(List.of(job), config.maxPending(queue)))
                .get(0);
        String location = "/v1/queues/" + queue + "/jobs/" + result.id();
        switch (result.status()) {
            case CREATED -> {
                metrics.enqueued.labelValues(queue).inc();
                ctx.header("Location", location);
                Responses.send(ctx, 201, Map.of("id", result.id(), "queue", queue, "replayed", false));
            }
            case REPLAYED -> {
                ctx.header("Location", location);
                Responses.send(ctx, 200, Map.of("id", result.id(), "queue", queue, "replayed", true));
            }
            case DUPLICATE, REPLACED -> { // the unique job that holds the key: nothing new was made
                ctx.header("Location", location);
                Responses.send(
                        ctx,
                        200,
                        Map.of("id", result.id(), "queue", queue, "replayed", false, "unique", uniqueWord(result)));
            }
            case REFUSED -> throw ApiError.conflictWith("unique_refused", refused(job, result), result.id());
            case CONFLICT ->
                throw new ApiError(
                        409,
                        "idempotency_conflict",
                        "idempotency key '" + job.idempotencyKey() + "' was already used for job '" + result.id()
                                + "' with a different payload");
            case NOT_ENQUEUED -> // JobStore throws when the only job did not go in
                throw new IllegalStateException("enqueue answered not enqueued: " + result.error());
        }
    }

    /** {@code "duplicate"} or {@code "replaced"}: what a unique job's enqueue came to. */
    private static String uniqueWord(EnqueueResult result) {
        return result.status() == EnqueueResult.Status.REPLACED ? "replaced" : "duplicate";
    }

    private static String refused(NewJob job, EnqueueResult result) {
        String key = job.unique() == null ? "?" : job.unique().key();
        return "unique key '" + key + "' is held by job '" + result.id() + "': nothing was enqueued";
    }

    private void enqueueBatch(Context ctx) {
        String queue = queue(ctx);
        List<NewJob> jobs = batchJobs(ctx, queue);
        List<EnqueueResult> results = guard.call(() -> store.enqueue(jobs, config.maxPending(queue)));
        List<Map<String, Object>> items = new ArrayList<>(results.size());
        int created = 0;
        int notEnqueued = 0;
        for (int i = 0; i < results.size(); i++) {
            EnqueueResult result = results.get(i);
            if (result.status() == EnqueueResult.Status.CREATED) created++;
            if (result.status() == EnqueueResult.Status.NOT_ENQUEUED) notEnqueued++;
            items.add(batchItem(jobs.get(i), result));
        }
        metrics.enqueued.labelValues(queue).inc(created);
        Responses.send(
                ctx, 200, Map.of("queue", queue, "created", created, "notEnqueued", notEnqueued, "results", items));
    }

    /** The batch's jobs, each validated before any goes to Redis; a bad one refuses them all. */
    private List<NewJob> batchJobs(Context ctx, String queue) {
        if (ctx.header("Idempotency-Key") != null) {
            throw ApiError.badRequest(
                    "a batch takes an idempotencyKey per job in the body, not the Idempotency-Key header");
        }
        EnqueueRequest.Batch batch = EnqueueRequest.parseBatch(ctx.bodyAsBytes());
        if (batch.jobs().size() > config.maxBatch()) {
            throw new ApiError(
                    413,
                    "batch_too_large",
                    "a batch holds at most " + config.maxBatch() + " jobs, got "
                            + batch.jobs().size());
        }
        List<NewJob> jobs = new ArrayList<>(batch.jobs().size());
        for (int i = 0; i < batch.jobs().size(); i++) {
            EnqueueRequest item = batch.jobs().get(i);
            if (item == null) throw ApiError.badRequest("jobs[" + i + "] is null");
            try {
                jobs.add(item.toNewJob(
                        queue, null, config, requestId(), RequestFilters.traceparent(ctx), submitter(ctx)));
            } catch (ApiError e) {
                throw ApiError.badRequest("jobs[" + i + "]: " + e.getMessage() + " (nothing was enqueued)");
            }
        }
        return jobs;
    }

    /** One job's line in a batch answer: its id if it has one, its status, and the error if any. */
    private static Map<String, Object> batchItem(NewJob job, EnqueueResult result) {
        Map<String, Object> item = new LinkedHashMap<>();
        if (result.id() != null) item.put("id", result.id());
        switch (result.status()) {
            case CREATED -> item.put("status", 201);
            case REPLAYED -> item.put("status", 200);
            case DUPLICATE, REPLACED -> {
                item.put("status", 200);
                item.put("unique", uniqueWord(result));
            }
            case REFUSED -> {
                item.put("status", 409);
                item.put("error", Map.of("code", "unique_refused", "message", refused(job, result)));
            }
            case CONFLICT -> {
                item.put("status", 409);
                item.put(
                        "error",
                        Map.of(
                                "code",
                                "idempotency_conflict",
                                "message",
                                "idempotency key already used for job '" + result.id() + "' with a different payload"));
            }
            case NOT_ENQUEUED -> { // its partition refused it; the others' jobs went in
                item.put("status", result.error() instanceof QueueFullException ? 429 : 503);
                item.put(
                        "error",
                        Map.of(
                                "code",
                                result.error().code(),
                                "message",
                                result.error().getMessage()));
            }
        }
        return item;
    }

    private void show(Context ctx) {
        JobRecord record = load(ctx);
        com.fasterxml.jackson.databind.node.ObjectNode body = io.jobfleet.common.internal.job.Json.MAPPER.valueToTree(
                config.redaction().apply(record));
        body.put("queue", Names.logical(record.queue())); // the partition it lives in is shown apart
        if (Names.partitionOf(record.queue()) > 0) body.put("partition", Names.partitionOf(record.queue()));
        Responses.send(ctx, 200, body);
    }

    private void cancel(Context ctx) {
        JobRecord record = load(ctx);
        JobState was = guard.call(() -> store.cancel(record.queue(), record.id()));
        if (was != JobState.CANCELLED) {
            Audit.audited(
                    "cancel of job " + record.id(),
                    () -> guard.run(() -> audit.record(
                            Audit.actor(ctx),
                            "cancel",
                            Names.logical(record.queue()),
                            1,
                            Map.of("id", record.id(), "was", was.name()))));
        }
        Responses.send(
                ctx,
                200,
                Map.of(
                        "id",
                        record.id(),
                        "state",
                        "CANCELLED",
                        "previousState",
                        was == JobState.CANCELLED ? record.cancelledFrom() + "" : was.name(),
                        "alreadyCancelled",
                        was == JobState.CANCELLED));
    }

    /** Changes a waiting job's priority: body {@code {"priority": 0-9}}; admin, audited. */
    private void prioritize(Context ctx) {
        com.fasterxml.jackson.databind.JsonNode body;
        try {
            body = io.jobfleet.common.internal.job.Json.MAPPER.readTree(ctx.bodyAsBytes());
        } catch (java.io.IOException e) {
            throw ApiError.badRequest("body must be JSON: {\"priority\": 0-" + NewJob.MAX_PRIORITY + "}");
        }
        com.fasterxml.jackson.databind.JsonNode value = body == null ? null : body.get("priority");
        if (value == null
                || !value.canConvertToExactIntegral()
                || value.asInt() < 0
                || value.asInt() > NewJob.MAX_PRIORITY) {
            throw ApiError.badRequest("priority must be an integer 0-" + NewJob.MAX_PRIORITY);
        }
        int priority = value.asInt();
        JobRecord record = load(ctx);
        JobState state = guard.call(() -> store.prioritize(record.queue(), record.id(), priority));
        Audit.audited(
                "priority of job " + record.id(),
                () -> guard.run(() -> audit.record(
                        Audit.actor(ctx),
                        "priority",
                        Names.logical(record.queue()),
                        1,
                        Map.of("id", record.id(), "priority", Integer.toString(priority)))));
        Responses.send(ctx, 200, Map.of("id", record.id(), "state", state.name(), "priority", priority));
    }

    /** The job, if the caller may see it: a submit-only token sees only the jobs it enqueued. */
    private JobRecord load(Context ctx) {
        String queue = queue(ctx);
        String id = ctx.pathParam("id");
        if (!JobId.isValid(id)) throw ApiError.badRequest("job id '" + id + "' is not valid");
        JobRecord record =
                guard.call(() -> store.get(queue, id)).orElseThrow(() -> new JobNotFoundException(queue, id));
        Tokens.Principal principal = RequestFilters.principal(ctx);
        if (principal != null && !principal.has(Role.READ) && !principal.name().equals(record.submittedBy())) {
            throw new JobNotFoundException(queue, id); // not 403: do not reveal that another client's job exists
        }
        return record;
    }

    static String queue(Context ctx) {
        try {
            return Names.checkQueue(ctx.pathParam("queue"));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    private static String idempotencyKey(Context ctx) {
        String key = ctx.header("Idempotency-Key");
        if (key == null) return null;
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\""))
            key = key.substring(1, key.length() - 1); // draft: a quoted string
        return key;
    }

    private static String requestId() {
        return MDC.get("requestId");
    }

    private static String submitter(Context ctx) {
        Tokens.Principal principal = RequestFilters.principal(ctx);
        return principal == null ? null : principal.name();
    }
}
