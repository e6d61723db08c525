package io.jobfleet.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Unique;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A producer's client of the jobfleet HTTP API, for applications that cannot reach Redis: enqueue,
 * read and cancel jobs, follow a job's events, wait for its outcome. java.net.http over HTTP/1.1;
 * thread-safe: make one per application and close it at shutdown.
 *
 * <p>An answer 429 (queue full) or 503 (Redis unavailable or full) is retried after the {@code
 * Retry-After} seconds the API sends ({@link #DEFAULT_RETRY_AFTER} when it sends none), up to
 * {@code maxTries} requests and {@code maxRetryWait} of waiting in all (defaults {@link
 * #DEFAULT_MAX_TRIES}, {@link #DEFAULT_MAX_RETRY_WAIT}). After that, and for every other error
 * answer, a method throws {@link ApiException} with the API's code and message, or {@link
 * JobNotFoundException} for an unknown job. A request that cannot be sent at all (connection
 * refused, timeout after {@link #REQUEST_TIMEOUT}) throws {@link UncheckedIOException}, not retried.
 */
public final class JobfleetHttpClient implements AutoCloseable {
    /** Requests per call, the first included, before a 429 or 503 is given up on. */
    public static final int DEFAULT_MAX_TRIES = 5;
    /** Waiting between retries per call, in all, before a 429 or 503 is given up on. */
    public static final Duration DEFAULT_MAX_RETRY_WAIT = Duration.ofSeconds(30);
    /** The wait before a retry when a 429 or 503 has no {@code Retry-After} in seconds. */
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    /** Connect timeout, and the time a request may wait for the answer's status line. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(JobfleetHttpClient.class);

    private final ApiConnection api;

    /** A client of the API at {@code baseUrl} (e.g. {@code https://jobs.internal:8080}); {@code bearerToken} null sends none. */
    public JobfleetHttpClient(String baseUrl, String bearerToken) {
        this(baseUrl, bearerToken, DEFAULT_MAX_TRIES, DEFAULT_MAX_RETRY_WAIT);
    }

    /**
     * As {@link #JobfleetHttpClient(String, String)}, giving up on a 429 or 503 after {@code
     * maxTries} requests or {@code maxRetryWait} of waiting, whichever comes first.
     *
     * @throws IllegalArgumentException when the URL is not an http(s) URL or a limit is not positive
     */
    public JobfleetHttpClient(String baseUrl, String bearerToken, int maxTries, Duration maxRetryWait) {
        this.api = new ApiConnection(baseUrl, bearerToken, maxTries, maxRetryWait);
    }

    /**
     * Enqueues one job ({@code POST /v1/queues/{queue}/jobs}); answers {@code CREATED}, or {@code
     * REPLAYED} with the original job when its idempotency key was seen before with the same type
     * and payload. A job with a {@link io.jobfleet.common.job.Unique} rule that meets the key's
     * holder answers {@code DUPLICATE}, {@code REPLACED} or {@code REFUSED} with the holder's id,
     * as {@link JobfleetClient} does. Every enqueue carries an idempotency key: the job's own, or, when it has none, a
     * random UUID made once for this call, so that retrying a 429, a 503 or a lost answer can never
     * create two jobs. Give your own key to make a resend after a crash of your process safe too.
     * A delay or timeout is sent in whole seconds, rounded up; the job's request id and traceparent
     * go as the {@code X-Request-Id} and {@code traceparent} headers.
     *
     * @throws IllegalArgumentException when the job has an id, a retry policy or a submitter, which
     *     the HTTP API does not take (use {@link JobfleetClient} for those)
     * @throws ApiException {@code idempotency_conflict} (409) when the key was used with another
     *     payload, {@code bad_request} (400), {@code queue_full} (429) or {@code redis_unavailable}
     *     (503) once retries are spent, {@code unauthorized} (401), {@code forbidden} (403)
     */
    public EnqueueResult enqueue(NewJob job) {
        String key = job.idempotencyKey() != null
                ? job.idempotencyKey()
                : UUID.randomUUID().toString();
        HttpRequest.Builder request = api.request("/v1/queues/" + job.queue() + "/jobs")
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(BodyPublishers.ofString(body(job)));
        if (job.requestId() != null) request.header("X-Request-Id", job.requestId());
        if (job.traceparent() != null) request.header("traceparent", job.traceparent());
        JsonNode answer;
        try {
            answer = Json.read(api.send(request.build(), job.queue(), null));
        } catch (ApiException e) {
            // as JobfleetClient: a refused unique job is an answer naming the holder, not an error
            if (e.status() == 409 && e.code().equals("unique_refused") && e.jobId() != null)
                return new EnqueueResult(e.jobId(), EnqueueResult.Status.REFUSED);
            throw e;
        }
        return new EnqueueResult(answer.path("id").asText(), status(answer));
    }

    private static EnqueueResult.Status status(JsonNode answer) {
        if (answer.path("replayed").asBoolean()) return EnqueueResult.Status.REPLAYED;
        return switch (answer.path("unique").asText("")) {
            case "duplicate" -> EnqueueResult.Status.DUPLICATE;
            case "replaced" -> EnqueueResult.Status.REPLACED;
            default -> EnqueueResult.Status.CREATED;
        };
    }

    /**
     * The job's record ({@code GET /v1/queues/{queue}/jobs/{id}}); its {@link JobRecord#queue()}
     * is the queue's name (not its partition's), and payload fields the API redacts read {@code
     * "[redacted]"}.
     *
     * @throws JobNotFoundException when there is no such job, or the token may not see it
     * @throws ApiException for any other error answer
     */
    public JobRecord get(String queue, String id) {
        return Json.read(api.send(api.request(jobPath(queue, id)).GET().build(), queue, id), JobRecord.class);
    }

    /**
     * Cancels a queued, scheduled or running job ({@code POST .../cancel}); returns the state it
     * was in, or CANCELLED when it already was. Safe to retry.
     *
     * @throws JobNotFoundException when there is no such job
     * @throws ApiException {@code illegal_transition} (409) when it already succeeded or is dead,
     *     or any other error answer
     */
    public JobState cancel(String queue, String id) {
        HttpRequest request = api.request(jobPath(queue, id) + "/cancel")
                .POST(BodyPublishers.noBody())
                .build();
        JsonNode answer = Json.read(api.send(request, queue, id));
        if (answer.path("alreadyCancelled").asBoolean()) return JobState.CANCELLED;
        return JobState.valueOf(answer.path("previousState").asText());
    }

    /**
     * Follows the job's Server-Sent Events, calling {@code onEvent} on this thread for each: first
     * a snapshot of its state, then every state change and progress report, and its position while
     * it waits. Returns after the event of an outcome (SUCCEEDED, CANCELLED, or DEAD, from which a
     * job may be redriven: follow it again to see that). A stream that breaks before is opened
     * again with {@code Last-Event-ID}, so no event is lost or seen twice, up to {@code maxTries}
     * times.
     *
     * @throws JobNotFoundException when there is no such job
     * @throws ApiException {@code stream_ended} when the stream broke {@code maxTries} times, or an
     *     error answer
     * @throws InterruptedException when the thread is interrupted (the stream is hung up)
     */
    public void events(String queue, String id, Consumer<JobEvent> onEvent) throws InterruptedException {
        follow(queue, id, onEvent, stream -> {});
    }

    /**
     * Waits until the job has an outcome (SUCCEEDED, CANCELLED or DEAD), following its event
     * stream, and returns its record.
     *
     * @throws TimeoutException when it has no outcome within {@code timeout}
     * @throws InterruptedException when the waiting thread is interrupted
     * @throws JobNotFoundException when there is no such job
     * @throws ApiException as {@link #events}
     */
    public JobRecord awaitOutcome(String queue, String id, Duration timeout)
            throws InterruptedException, TimeoutException {
        AtomicReference<EventStream> open = new AtomicReference<>();
        FutureTask<Void> following = new FutureTask<>(() -> {
            follow(queue, id, event -> {}, open::set);
            return null;
        });
        Thread reader = Thread.ofVirtual().name("jobfleet-await-" + id).start(following);
        try {
            following.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            throw new IllegalStateException("following job '" + id + "' failed", e.getCause());
        } catch (TimeoutException e) {
            throw new TimeoutException("job '" + id + "' of queue '" + queue + "' has no outcome after " + timeout);
        } finally {
            reader.interrupt(); // hangs up: a reader blocked on the stream, or between two streams
            EventStream stream = open.get();
            if (stream != null) stream.close();
        }
        return get(queue, id);
    }

    /** Closes the HTTP client; open event streams end. */
    @Override
    public void close() {
        api.close();
    }

    private void follow(String queue, String id, Consumer<JobEvent> onEvent, Consumer<EventStream> onOpen)
            throws InterruptedException {
        String last = null;
        for (int opened = 1; ; opened++) {
            try (EventStream stream = open(queue, id, last)) {
                onOpen.accept(stream);
                for (JobEvent event = stream.next(); event != null; event = stream.next()) {
                    if (event.id() != null) last = event.id();
                    onEvent.accept(event);
                    if (event.isOutcome()) return;
                }
            } catch (UncheckedIOException e) {
                log.debug("event stream of job {} broke: {}", id, e.getMessage());
            }
            if (Thread.interrupted()) throw new InterruptedException("stopped following job " + id);
            if (opened >= api.maxTries()) {
                throw new ApiException(
                        0,
                        "stream_ended",
                        "the event stream of job '" + id + "' ended " + opened + " times before the job had an outcome",
                        null);
            }
            Thread.sleep(DEFAULT_RETRY_AFTER.toMillis());
        }
    }

    private EventStream open(String queue, String id, String lastEventId) {
        HttpRequest.Builder request = api.request(jobPath(queue, id) + "/events")
                .header("Accept", "text/event-stream")
                .GET();
        if (lastEventId != null) request.header("Last-Event-ID", lastEventId);
        // an error answer is read whole as one line, to be parsed as the API's error JSON
        BodyHandler<Stream<String>> lines = info -> info.statusCode() == 200
                ? BodySubscribers.ofLines(StandardCharsets.UTF_8)
                : BodySubscribers.mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), Stream::of);
        HttpResponse<Stream<String>> response = api.send(request.build(), lines, queue, id);
        return new EventStream(response.body());
    }

    private static String jobPath(String queue, String id) {
        return "/v1/queues/" + queue + "/jobs/" + id;
    }

    /** The enqueue body of docs/api.md; what the API cannot take is refused here, not dropped. */
    private static String body(NewJob job) {
        if (job.id() != null || job.backoff() != null || job.submitter() != null) {
            throw new IllegalArgumentException("the HTTP API takes no job id, retry policy or submitter"
                    + " (set maxAttempts, or enqueue with JobfleetClient)");
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("type", job.type());
        if (!job.payload().isNull()) body.set("payload", job.payload());
        if (job.highPriority() && job.priority() > 0)
            throw new IllegalArgumentException("the HTTP API takes priority high or a number, not both");
        if (job.highPriority()) body.put("priority", "high");
        if (job.priority() > 0) body.put("priority", job.priority());
        if (job.group() != null) body.put("group", job.group());
        if (job.limitKey() != null) body.put("limitKey", job.limitKey());
        if (job.expiresAt() != null) body.put("expiresAt", job.expiresAt().toString());
        if (job.unique() != null) body.set("unique", unique(job.unique()));
        if (job.delay() != null) body.put("delaySeconds", wholeSeconds(job.delay()));
        if (job.runAt() != null) body.put("runAt", job.runAt().toString());
        if (job.maxAttempts() != null) body.put("maxAttempts", job.maxAttempts());
        if (job.timeout() != null) body.put("timeoutSeconds", wholeSeconds(job.timeout()));
        return Json.write(body);
    }

    private static ObjectNode unique(Unique unique) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        if (unique.key() != null) node.put("key", unique.key());
        if (!unique.fields().isEmpty()) unique.fields().forEach(node.putArray("fields")::add);
        node.put("mode", unique.mode().name().toLowerCase(Locale.ROOT));
        if (unique.period() != null) node.put("periodSeconds", wholeSeconds(unique.period()));
        node.put("onConflict", unique.onConflict().name().toLowerCase(Locale.ROOT));
        return node;
    }

    private static long wholeSeconds(Duration duration) {
        return (duration.toMillis() + 999) / 1000;
    }
}
