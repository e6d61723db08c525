package io.jobfleet.common.job;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.Names;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * A job to enqueue. Built with {@link #of} and the {@code with*} methods; validated on the way
 * in, so nothing invalid reaches Redis (the payload within {@link Json}'s limits, so it reads back).
 */
public record NewJob(
        String queue,
        String type,
        JsonNode payload,
        String id,
        String idempotencyKey,
        Duration delay,
        Instant runAt,
        boolean highPriority,
        Integer maxAttempts,
        Duration timeout,
        RetryPolicy backoff,
        String requestId,
        String traceparent,
        String submitter,
        int priority,
        String group,
        String limitKey,
        Unique unique,
        Instant expiresAt) {

    public static final int MAX_IDEMPOTENCY_KEY_CHARS = 255;
    /** Numeric priorities: 0 (the default, claimed first) to 9 (claimed last, with aging). */
    public static final int MAX_PRIORITY = 9;
    /** The longest group name or limit key. */
    public static final int MAX_KEY_CHARS = 128;

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
            .disable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    public NewJob {
        Names.checkQueue(queue);
        Names.checkType(type);
        payload = payload == null ? NullNode.getInstance() : payload;
        Json.checkValue("payload", payload); // what a worker's claim could not read back is refused here
        if (id != null && !JobId.isValid(id)) {
            throw new IllegalArgumentException(
                    "job id '" + id + "' is not valid: use 1-64 of A-Z, a-z, 0-9, '_', '.', '-'");
        }
        if (idempotencyKey != null
                && (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_CHARS)) {
            throw new IllegalArgumentException(
                    "idempotency key must be 1-" + MAX_IDEMPOTENCY_KEY_CHARS + " characters");
        }
        if (delay != null && delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, got " + delay.toMillis() + " ms");
        }
        if (delay != null && runAt != null) {
            throw new IllegalArgumentException("give a delay or a run-at time, not both");
        }
        if (maxAttempts != null && (maxAttempts < 1 || maxAttempts > 1000)) {
            throw new IllegalArgumentException("maxAttempts must be 1..1000, got " + maxAttempts);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout.toMillis() + " ms");
        }
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be 0..." + MAX_PRIORITY + ", got " + priority);
        }
        checkKey("group", group);
        if (group != null && priority != 0) {
            throw new IllegalArgumentException("give a group or a priority, not both: groups are served round robin");
        }
        checkKey("limitKey", limitKey);
        if (unique != null && unique.key() == null && !unique.fields().isEmpty()) {
            unique = unique.withKey(Unique.derive(type, unique.fields(), payload));
        }
    }

    private static void checkKey(String field, String value) {
        if (value == null) return;
        if (value.isEmpty() || value.length() > MAX_KEY_CHARS || !value.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException(
                    field + " must be 1-" + MAX_KEY_CHARS + " printable ASCII characters without spaces");
        }
    }

    public static NewJob of(String queue, String type, JsonNode payload) {
        return new NewJob(
                queue, type, payload, null, null, null, null, false, null, null, null, null, null, null, 0, null, null,
                null, null);
    }

    public NewJob withId(String value) {
        return copy(b -> b.id = value);
    }

    public NewJob withIdempotencyKey(String value) {
        return copy(b -> b.idempotencyKey = value);
    }

    public NewJob withDelay(Duration value) {
        return copy(b -> b.delay = value);
    }

    public NewJob withRunAt(Instant value) {
        return copy(b -> b.runAt = value);
    }

    public NewJob withHighPriority(boolean value) {
        return copy(b -> b.highPriority = value);
    }

    public NewJob withMaxAttempts(Integer value) {
        return copy(b -> b.maxAttempts = value);
    }

    public NewJob withTimeout(Duration value) {
        return copy(b -> b.timeout = value);
    }

    /** The job's own backoff and attempt limit, instead of its queue's. */
    public NewJob withBackoff(RetryPolicy value) {
        return copy(b -> b.backoff = value);
    }

    /** 0 (the default: claimed first) to {@link #MAX_PRIORITY}; see docs/flow-control.md. */
    public NewJob withPriority(int value) {
        return copy(b -> b.priority = value);
    }

    /** The fairness group (a tenant, say): groups of a queue are served round robin. */
    public NewJob withGroup(String value) {
        return copy(b -> b.group = value);
    }

    /** The key the queue's {@code key:} limits count this job under (a downstream account, a tenant). */
    public NewJob withLimitKey(String value) {
        return copy(b -> b.limitKey = value);
    }

    /** Unique-job rules beyond the idempotency key. */
    public NewJob withUnique(Unique value) {
        return copy(b -> b.unique = value);
    }

    /** Discard the job, never run it, if it has not started by this time. */
    public NewJob withExpiresAt(Instant value) {
        return copy(b -> b.expiresAt = value);
    }

    public NewJob withTrace(String request, String trace) {
        return copy(b -> {
            b.requestId = request;
            b.traceparent = trace;
        });
    }

    /** The API token name that enqueued the job: a submit-only token may read its own jobs. */
    public NewJob withSubmitter(String value) {
        return copy(b -> b.submitter = value);
    }

    private NewJob copy(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return new NewJob(
                queue,
                type,
                payload,
                c.id,
                c.idempotencyKey,
                c.delay,
                c.runAt,
                c.highPriority,
                c.maxAttempts,
                c.timeout,
                c.backoff,
                c.requestId,
                c.traceparent,
                c.submitter,
                c.priority,
                c.group,
                c.limitKey,
                c.unique,
                c.expiresAt);
    }

    /** The optional parts of a job, changed one at a time by the {@code with*} methods (validated again on copy). */
    private static final class Copy {
        String id;
        String idempotencyKey;
        Duration delay;
        Instant runAt;
        boolean highPriority;
        Integer maxAttempts;
        Duration timeout;
        RetryPolicy backoff;
        String requestId;
        String traceparent;
        String submitter;
        int priority;
        String group;
        String limitKey;
        Unique unique;
        Instant expiresAt;

        Copy(NewJob job) {
            id = job.id;
            idempotencyKey = job.idempotencyKey;
            delay = job.delay;
            runAt = job.runAt;
            highPriority = job.highPriority;
            maxAttempts = job.maxAttempts;
            timeout = job.timeout;
            backoff = job.backoff;
            requestId = job.requestId;
            traceparent = job.traceparent;
            submitter = job.submitter;
            priority = job.priority;
            group = job.group;
            limitKey = job.limitKey;
            unique = job.unique;
            expiresAt = job.expiresAt;
        }
    }

    /** What an idempotency key is bound to: the type and the payload with its keys sorted. */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(type.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(CANONICAL.writeValueAsBytes(payload));
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot fingerprint payload", e);
        }
    }
}
