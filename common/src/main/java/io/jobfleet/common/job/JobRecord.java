package io.jobfleet.common.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    private static final Set<String> JSON_FIELDS = Set.of("payload", "result", "progress", "errors");

    public JobRecord {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /** Reads the hash fields of {@code jobfleet:{queue}:job:<id>}. */
    public static JobRecord fromHash(String queue, String id, Map<String, String> fields) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        fields.forEach((name, value) -> {
            if (value == null) return;
            if (JSON_FIELDS.contains(name)) node.set(name, Json.read(value));
            else node.put(name, value);
        });
        node.put("id", id);
        node.put("queue", queue);
        try {
            return Json.MAPPER.treeToValue(node, JobRecord.class);
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "job '" + id + "' in queue '" + queue + "' has an unreadable record: " + e.getMessage(), e);
        }
    }

    public RetryPolicy retryPolicy(RetryPolicy queueDefault) {
        return queueDefault.withBackoffField(backoff, maxAttempts);
    }
}
