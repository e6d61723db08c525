package io.jobfleet.common.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.job.Json;
import java.util.List;
import java.util.Map;

/**
 * A job as stored: one Redis hash of flat fields. JSON-valued fields (payload, result, progress,
 * errors) are parsed here. Fields this version does not know are ignored and missing ones take
 * their defaults, so a record written by an older or newer jobfleet still loads. Times are
 * epoch milliseconds from the Redis server's clock; 0 means "not yet". The flow-control fields
 * (docs/flow-control.md): {@code priority} 0..9, {@code group}, {@code limitKey}, {@code
 * expiresAt} (0: never), {@code snoozes} (times the handler said "not now"), and {@code
 * waitingFor}, the limit scope a held-back job waits on.
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
        String cancelledFrom,
        int priority,
        String group,
        String limitKey,
        long expiresAt,
        int snoozes,
        String waitingFor) {

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
                    json(f, "payload"),
                    state(f),
                    integer(f, "attempts"),
                    f.containsKey("maxAttempts") ? integer(f, "maxAttempts") : null,
                    number(f, "token"),
                    f.get("worker"),
                    number(f, "createdAt"),
                    number(f, "enqueuedAt"),
                    number(f, "runAt"),
                    number(f, "startedAt"),
                    number(f, "finishedAt"),
                    number(f, "timeoutMs"),
                    f.get("backoff"),
                    integer(f, "expiries"),
                    errors(f),
                    integer(f, "errorsDropped"),
                    f.get("lastError"),
                    json(f, "result"),
                    json(f, "progress"),
                    f.get("idemKey"),
                    f.get("requestId"),
                    f.get("traceparent"),
                    f.get("submittedBy"),
                    f.get("deadReason"),
                    f.get("cancelledFrom"),
                    integer(f, "priority"),
                    f.get("group"),
                    f.get("limitKey"),
                    number(f, "expiresAt"),
                    integer(f, "snoozes"),
                    f.get("waitingFor"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "job '" + id + "' in queue '" + queue + "' has an unreadable record: " + e.getMessage(), e);
        }
    }

    // each reader names its field, so an unreadable record says which field is wrong
    private static JobState state(Map<String, String> f) {
        String value = f.get("state");
        if (value == null) return null;
        try {
            return JobState.valueOf(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field 'state' is not a job state: " + quote(value), e);
        }
    }

    private static long number(Map<String, String> f, String name) {
        String value = f.get(name);
        if (value == null || value.isEmpty()) return 0;
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("field '" + name + "' is not a whole number: " + quote(value), e);
        }
    }

    /** The bad value in a message, cut short: a corrupt field may be megabytes long. */
    private static String quote(String value) {
        return "'" + (value.length() <= 40 ? value : value.substring(0, 40) + "...") + "'";
    }

    private static int integer(Map<String, String> f, String name) {
        return (int) number(f, name);
    }

    private static JsonNode json(Map<String, String> f, String name) {
        String value = f.get(name);
        if (value == null) return null;
        try {
            return Json.read(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field '" + name + "' is " + e.getMessage(), e);
        }
    }

    private static List<AttemptError> errors(Map<String, String> f) {
        String value = f.get("errors");
        if (value == null || value.isEmpty()) return List.of();
        try {
            return List.of(Json.MAPPER.readValue(value, AttemptError[].class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("field 'errors' is not a JSON list: " + e.getOriginalMessage(), e);
        }
    }

    public RetryPolicy retryPolicy(RetryPolicy queueDefault) {
        return queueDefault.withBackoffField(backoff, maxAttempts);
    }
}
