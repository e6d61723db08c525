package io.jobfleet.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.EventStore;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.job.JobId;
import io.jobfleet.common.job.JobRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/queues/{queue}/jobs/{id}/events}: Server-Sent Events for one job. The first
 * event is a snapshot of its state; then every state change and progress report, each with the
 * event id a reconnecting client sends back as {@code Last-Event-ID}; and, while the job waits,
 * its position in the queue. The stream ends after a final state (SUCCEEDED, CANCELLED, EXPIRED). Each
 * connection polls the job's event stream every 200 ms on a virtual thread.
 */
final class JobEvents {
    private static final Logger log = LoggerFactory.getLogger(JobEvents.class);
    private static final long POLL_MS = 200;
    private static final long POSITION_EVERY_MS = 1_000;
    private static final long KEEP_ALIVE_MS = 15_000;
    private static final Set<String> FINAL = Set.of("SUCCEEDED", "CANCELLED", "EXPIRED");

    private final JobStore store;
    private final EventStore events;
    private final RedisGuard guard;
    /** Streams open now; {@link #close} ends them before the server and its Redis pool go away. */
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();

    private volatile boolean closing;

    JobEvents(JobStore store, EventStore events, RedisGuard guard) {
        this.store = store;
        this.events = events;
        this.guard = guard;
    }

    void register(RoutesConfig routes) {
        routes.get("/v1/queues/{queue}/jobs/{id}/events", this::open, Role.SUBMIT, Role.READ);
    }

    private void open(Context ctx) throws Exception {
        String queue = JobRoutes.queue(ctx);
        String id = ctx.pathParam("id");
        if (!JobId.isValid(id)) throw ApiError.badRequest("job id '" + id + "' is not valid");
        JobRecord record =
                guard.call(() -> store.get(queue, id)).orElseThrow(() -> new JobNotFoundException(queue, id));
        Tokens.Principal principal = RequestFilters.principal(ctx);
        if (principal != null && !principal.has(Role.READ) && !principal.name().equals(record.submittedBy())) {
            throw new JobNotFoundException(queue, id);
        }
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new ApiError(
                    406, "not_acceptable", "this endpoint streams Server-Sent Events: send Accept: text/event-stream");
        }
        String lastEventId = ctx.header("Last-Event-ID");
        String home = record.queue(); // for a partitioned queue, the partition whose scripts write the events
        guard.run(() -> events.watch(home, id)); // from here on, every transition of this job is streamed
        new SseHandler(client -> stream(client, home, id, lastEventId)).handle(ctx);
    }

    /** Ends every open stream (each within one poll) and waits up to 2 s for them. */
    void close() {
        closing = true;
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (open.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void stream(SseClient client, String queue, String id, String lastEventId) {
        open.incrementAndGet();
        try {
            String last = lastEventId;
            if (last == null) {
                String newest = events.lastId(queue, id);
                JobRecord now = store.get(queue, id).orElse(null);
                if (now == null) return;
                client.sendEvent("state", Json.write(snapshot(now)), newest);
                last = newest;
                if (FINAL.contains(now.state().name())) return;
            }
            long lastPosition = 0;
            long lastSent = System.currentTimeMillis();
            while (!client.terminated() && !closing) {
                List<EventStore.Event> batch = events.after(queue, id, last, 100);
                for (EventStore.Event event : batch) {
                    boolean ended = send(client, event);
                    last = event.id();
                    lastSent = System.currentTimeMillis();
                    if (ended) return;
                }
                long nowMs = System.currentTimeMillis();
                if (nowMs - lastPosition >= POSITION_EVERY_MS) {
                    if (sendPosition(client, queue, id)) lastSent = nowMs;
                    lastPosition = nowMs;
                }
                if (nowMs - lastSent >= KEEP_ALIVE_MS) {
                    client.sendComment("keep-alive");
                    lastSent = nowMs;
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("event stream of job {} ended: {}", id, e.getMessage());
        } finally {
            client.close();
            open.decrementAndGet();
        }
    }

    /** Sends one event of the job's stream; true when it is a final state, which ends the stream. */
    private static boolean send(SseClient client, EventStore.Event event) {
        Map<String, Object> fields = new LinkedHashMap<>(event.fields());
        String type = (String) fields.remove("type");
        for (String number : List.of("attempt", "at", "runAt")) {
            if (fields.get(number) instanceof String v) fields.put(number, Long.parseLong(v));
        }
        String data = "progress".equals(type) ? (String) fields.get("progress") : Json.write(fields);
        client.sendEvent(type, data, event.id());
        return "state".equals(type) && FINAL.contains(fields.get("state"));
    }

    /** Sends the job's place in the queue while it waits; false (nothing sent) when it does not. */
    private boolean sendPosition(SseClient client, String queue, String id) {
        EventStore.Position position = events.position(queue, id).orElse(null);
        if (position == null) return false;
        // beyond the scan the count is a lower bound: {"position":10000,"atLeast":true}
        client.sendEvent(
                "position",
                Json.write(
                        position.atLeast()
                                ? Map.of("position", position.ahead(), "atLeast", true)
                                : Map.of("position", position.ahead())));
        return true;
    }

    private static Map<String, Object> snapshot(JobRecord record) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", record.state().name());
        body.put("attempt", record.attempts());
        if (record.progress() != null) body.put("progress", record.progress());
        return body;
    }
}
