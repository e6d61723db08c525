package io.jobfleet.common.job;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A job to enqueue. Built with {@link #of} and the {@code with*} methods; validated on the way
 * in, so nothing invalid reaches Redis.
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
        String traceparent) {

    public static final int MAX_IDEMPOTENCY_KEY_CHARS = 255;
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
            .disable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    public NewJob {
        Names.checkQueue(queue);
        Names.checkType(type);
        payload = payload == null ? NullNode.getInstance() : payload;
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
    }

    public static NewJob of(String queue, String type, JsonNode payload) {
        return new NewJob(queue, type, payload, null, null, null, null, false, null, null, null, null, null);
    }

    public NewJob withId(String value) {
        return new NewJob(
                queue,
                type,
                payload,
                value,
                idempotencyKey,
                delay,
                runAt,
                highPriority,
                maxAttempts,
                timeout,
                backoff,
                requestId,
                traceparent);
    }

    public NewJob withIdempotencyKey(String value) {
        return new NewJob(
                queue,
                type,
                payload,
                id,
                value,
                delay,
                runAt,
                highPriority,
                maxAttempts,
                timeout,
                backoff,
                requestId,
                traceparent);
    }

    public NewJob withDelay(Duration value) {
        return new NewJob(
                queue,
                type,
                payload,
                id,
                idempotencyKey,
                value,
                runAt,
                highPriority,
                maxAttempts,
                timeout,
                backoff,
                requestId,
                traceparent);
    }

    public NewJob withRunAt(Instant value) {
        return new NewJob(
                queue,
                type,
                payload,
                id,
                idempotencyKey,
                delay,
                value,
                highPriority,
                maxAttempts,
                timeout,
                backoff,
                requestId,
                traceparent);
    }

    public NewJob withHighPriority(boolean value) {
        return new NewJob(
                queue,
                type,
                payload,
                id,
                idempotencyKey,
                delay,
                runAt,
                value,
                maxAttempts,
                timeout,
                backoff,
                requestId,
                traceparent);
    }

    public NewJob withMaxAttempts(Integer value) {
        return new NewJob(
                queue,
                type,
                payload,
                id,
                idempotencyKey,
                delay,
                runAt,
                highPriority,
                value,
                timeout,
                backoff,
                requestId,
                traceparent);
    }

    public NewJob withTimeout(Duration value) {
        return new NewJob(
                queue,
                type,
                payload,
                id,
                idempotencyKey,
                delay,
                runAt,
                highPriority,
                maxAttempts,
                value,
                backoff,
                requestId,
                traceparent);
    }

    public NewJob withBackoff(RetryPolicy value) {
        return new NewJob(
                queue,
                type,
                payload,
                id,
                idempotencyKey,
                delay,
                runAt,
                highPriority,
                maxAttempts,
                timeout,
                value,
                requestId,
                traceparent);
    }

    public NewJob withTrace(String request, String trace) {
        return new NewJob(
                queue,
                type,
                payload,
                id,
                idempotencyKey,
                delay,
                runAt,
                highPriority,
                maxAttempts,
                timeout,
                backoff,
                request,
                trace);
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
