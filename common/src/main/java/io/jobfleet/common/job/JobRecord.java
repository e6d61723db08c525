package io.jobfleet.common.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A job as stored: one Redis hash of flat fields. JSON-valued fields (payload, result, progress,
 * errors) are parsed here. Fields this version does not know are ignored and missing ones take
 * their defaults, so a record written by an older or newer jobfleet still loads. Times are
 * epoch milliseconds from the Redis server's clock; 0 means "not yet".
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record JobRecord(
        String id,
        String queue,
        String type,
        JsonNode payload,
        JobState state,
        int attempts,
        Integer maxAttempts,
        long token,
        String worker,
        long createdAt,
        long enqueuedAt,
        long runAt,
        long startedAt,
        long finishedAt,
        long timeoutMs,
        String backoff,
        int expiries,
        List<AttemptError> errors,
        int errorsDropped,
        String lastError,
        JsonNode result,
        JsonNode progress,
        String idemKey,
        String requestId,
        String traceparent,
        String submittedBy,
        String deadReason,
        String cancelledFrom) {

    public JobRecord {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /**
     * Reads the hash fields of {@code jobfleet:{queue}:job:<id>}: by hand, not through a Jackson
     * tree, because every claimed job passes here. Only the JSON-valued fields are parsed.
     */
    public static JobRecord fromHash(String queue, String id, Map<String, String> f) {
        try {
            return new JobRecord(
                    id,
                    queue,
                    f.get("type"),
                    json(f.get("payload")),
                    state(f.get("state")),
                    integer(f.get("attempts")),
                    f.containsKey("maxAttempts") ? integer(f.get("maxAttempts")) : null,
                    number(f.get("token")),
                    f.get("worker"),
                    number(f.get("createdAt")),
                    number(f.get("enqueuedAt")),
                    number(f.get("runAt")),
                    number(f.get("startedAt")),
                    number(f.get("finishedAt")),
                    number(f.get("timeoutMs")),
                    f.get("backoff"),
                    integer(f.get("expiries")),
                    errors(f.get("errors")),
                    integer(f.get("errorsDropped")),
                    f.get("lastError"),
                    json(f.get("result")),
                    json(f.get("progress")),
                    f.get("idemKey"),
                    f.get("requestId"),
                    f.get("traceparent"),
                    f.get("submittedBy"),
                    f.get("deadReason"),
                    f.get("cancelledFrom"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "job '" + id + "' in queue '" + queue + "' has an unreadable record: " + e.getMessage(), e);
        }
    }

    private static JobState state(String value) {
        return value == null ? null : JobState.valueOf(value);
    }

    private static long number(String value) {
        return value == null || value.isEmpty() ? 0 : Long.parseLong(value);
    }

    private static int integer(String value) {
        return (int) number(value);
    }

    private static JsonNode json(String value) {
        return value == null ? null : Json.read(value);
    }

    private static List<AttemptError> errors(String value) {
        if (value == null || value.isEmpty()) return List.of();
        try {
            return List.of(Json.MAPPER.readValue(value, AttemptError[].class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("errors field is not a JSON list: " + e.getOriginalMessage(), e);
        }
    }

    public RetryPolicy retryPolicy(RetryPolicy queueDefault) {
        return queueDefault.withBackoffField(backoff, maxAttempts);
    }
}
