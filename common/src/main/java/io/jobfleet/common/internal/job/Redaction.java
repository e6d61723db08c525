package io.jobfleet.common.internal.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.jobfleet.common.job.JobRecord;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Payload fields that must never be shown (passwords, tokens, personal data): wherever a job is
 * printed (the API's job view, {@code job show}, {@code dlq show}) their values, at any depth,
 * become {@code "[redacted]"}. Names match case-insensitively. Logs never print payloads at all.
 */
public record Redaction(Set<String> fields) {
    public static final Redaction NONE = new Redaction(Set.of());
    private static final TextNode MASK = TextNode.valueOf("[redacted]");

    public Redaction {
        fields = fields.stream().map(f -> f.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /** From a comma-separated list of field names such as {@code JOBFLEET_REDACT_FIELDS=password,ssn,cardNumber}. */
    public static Redaction parse(String list) {
        if (list == null || list.isBlank()) return NONE;
        return new Redaction(Arrays.stream(list.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet()));
    }

    public JobRecord apply(JobRecord r) {
        if (fields.isEmpty()) return r;
        return new JobRecord(
                r.id(),
                r.queue(),
                r.type(),
                apply(r.payload()),
                r.state(),
                r.attempts(),
                r.maxAttempts(),
                r.token(),
                r.worker(),
                r.createdAt(),
                r.enqueuedAt(),
                r.runAt(),
                r.startedAt(),
                r.finishedAt(),
                r.timeoutMs(),
                r.backoff(),
                r.expiries(),
                r.errors(),
                r.errorsDropped(),
                r.lastError(),
                apply(r.result()),
                r.progress(),
                r.idemKey(),
                r.requestId(),
                r.traceparent(),
                r.submittedBy(),
                r.deadReason(),
                r.cancelledFrom(),
                r.priority(),
                r.group(),
                r.limitKey(),
                r.expiresAt(),
                r.snoozes(),
                r.waitingFor());
    }

    public JsonNode apply(JsonNode node) {
        if (node == null || fields.isEmpty()) return node;
        if (node instanceof ObjectNode object) {
            ObjectNode copy = object.objectNode();
            object.properties()
                    .forEach(e -> copy.set(
                            e.getKey(),
                            fields.contains(e.getKey().toLowerCase(Locale.ROOT)) ? MASK : apply(e.getValue())));
            return copy;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = array.arrayNode();
            array.forEach(item -> copy.add(apply(item)));
            return copy;
        }
        return node;
    }
}
