package io.jobfleet.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.job.NewJob;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One job as a client sends it. Parsed strictly: unknown fields, wrong types, a payload nested
 * deeper than {@link Json#MAX_DEPTH} and strings longer than the body limit are refused with a
 * 400 that names the field and the limit.
 */
record EnqueueRequest(
        String type,
        JsonNode payload,
        JsonNode priority,
        Long delaySeconds,
        String runAt,
        Integer maxAttempts,
        Long timeoutSeconds,
        String idempotencyKey,
        String group,
        String limitKey,
        String expiresAt,
        Long expiresInSeconds,
        UniqueRequest unique) {

    static final String KNOWN_FIELDS = "type, payload, priority, delaySeconds, runAt, maxAttempts, timeoutSeconds,"
            + " idempotencyKey, group, limitKey, expiresAt, expiresInSeconds, unique";

    /** A batch: {@code {"jobs": [...]}}. */
    record Batch(List<EnqueueRequest> jobs) {}

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // without these, {"type": 5} is read as "5" and {"delaySeconds": 1.5} as 1
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfig(
                    LogicalType.Textual, text -> text.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    /** A body wraps a payload in at most 3 levels ({"jobs": [{"payload": ...}]}). */
    private static final int ENVELOPE_DEPTH = 3;

    private static final int MAX_STRING_CHARS = 1024 * 1024;

    // the parser stops a payload past the depth a Java enqueue allows, however it is wrapped;
    // NewJob then checks the payload itself against Json's limits, the ones a worker reads with
    static {
        STRICT.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(Json.MAX_DEPTH + ENVELOPE_DEPTH)
                        .maxStringLength(MAX_STRING_CHARS)
                        .build());
    }

    static EnqueueRequest parse(byte[] body) {
        return read(body, EnqueueRequest.class);
    }

    static Batch parseBatch(byte[] body) {
        Batch batch = read(body, Batch.class);
        if (batch.jobs() == null || batch.jobs().isEmpty())
            throw ApiError.badRequest("field 'jobs' must be a non-empty array");
        return batch;
    }

    private static <T> T read(byte[] body, Class<T> type) {
        if (body.length == 0) throw ApiError.badRequest("the request body is empty: send a JSON object");
        try {
            T value = STRICT.readValue(body, type);
            if (value == null) throw ApiError.badRequest("the request body must be a JSON object, not null");
            return value;
        } catch (UnrecognizedPropertyException e) {
            String where = where(e);
            String known = where.endsWith("unique") ? UniqueRequest.KNOWN_FIELDS : KNOWN_FIELDS;
            throw ApiError.badRequest(
                    "unknown field '" + e.getPropertyName() + "'" + where + "; known fields: " + known);
        } catch (StreamConstraintsException e) {
            throw pastLimits("");
        } catch (MismatchedInputException e) {
            String field = path(e);
            throw ApiError.badRequest(
                    field.isEmpty()
                            ? "the request body must be a JSON object"
                            : "field '" + field + "' has the wrong type: "
                                    + e.getOriginalMessage().split("\n")[0]);
        } catch (JsonParseException e) {
            throw ApiError.badRequest("the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (JsonMappingException e) {
            // a limit hit inside a field arrives wrapped, with the field's path
            if (e.getCause() instanceof StreamConstraintsException) throw pastLimits(path(e));
            throw ApiError.badRequest("the request body could not be read: " + e.getOriginalMessage());
        } catch (JacksonException e) {
            throw ApiError.badRequest("the request body could not be read: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiError.badRequest("the request body could not be read: " + e.getMessage());
        }
    }

    /** Which limit was hit is not told apart: the message names both, and the field when known. */
    private static ApiError pastLimits(String field) {
        return ApiError.badRequest((field.isEmpty() ? "the request body" : "field '" + field + "'")
                + " is past the JSON limits: the limit is " + Json.MAX_DEPTH
                + " levels of nesting in a payload and " + MAX_STRING_CHARS + " characters in a string");
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String where(UnrecognizedPropertyException e) {
        String path = path(e);
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : " in " + path.substring(0, dot);
    }

    /** The job to enqueue; {@code headerKey} (the Idempotency-Key header) wins over the body's. */
    NewJob toNewJob(
            String queue, String headerKey, ApiConfig config, String requestId, String traceparent, String submitter) {
        if (type == null) throw ApiError.badRequest("field 'type' is required");
        try {
            NewJob job = NewJob.of(queue, type, payload)
                    .withIdempotencyKey(headerKey != null ? headerKey : idempotencyKey)
                    .withMaxAttempts(maxAttempts)
                    .withTrace(requestId, traceparent)
                    .withSubmitter(submitter);
            job = withPriority(job);
            job = withSchedule(job, config);
            job = withTimeout(job);
            job = FlowFields.apply(this, job, config);
            return job;
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    /**
     * A number 0..9 (0, the default, is claimed first; 9 last, with aging), or the older strings:
     * {@code "high"} (the head of the queue) and {@code "normal"} (priority 0).
     */
    private NewJob withPriority(NewJob job) {
        if (priority == null || priority.isNull()) return job;
        if (priority.isTextual() && priority.asText().equals("normal")) return job;
        if (priority.isTextual() && priority.asText().equals("high")) return job.withHighPriority(true);
        if (priority.isIntegralNumber() && priority.canConvertToInt()) {
            int level = priority.asInt();
            if (level >= 0 && level <= NewJob.MAX_PRIORITY) return job.withPriority(level);
        }
        throw ApiError.badRequest("field 'priority' must be a whole number 0.." + NewJob.MAX_PRIORITY
                + " (0 the default, claimed first) or 'high' or 'normal', got " + priority);
    }

    /** When the job may first run: now, after {@code delaySeconds}, or at {@code runAt}. */
    private NewJob withSchedule(NewJob job, ApiConfig config) {
        if (delaySeconds != null && runAt != null) throw ApiError.badRequest("give delaySeconds or runAt, not both");
        if (delaySeconds != null) {
            if (delaySeconds < 0)
                throw ApiError.badRequest("field 'delaySeconds' must not be negative, got " + delaySeconds);
            if (delaySeconds > config.maxRunAhead().toSeconds()) {
                throw ApiError.badRequest("field 'delaySeconds' is more than "
                        + config.maxRunAhead().toDays() + " days ahead");
            }
            return job.withDelay(Duration.ofSeconds(delaySeconds));
        }
        if (runAt != null) {
            Instant at;
            try {
                at = Instant.parse(runAt);
            } catch (DateTimeParseException e) {
                throw ApiError.badRequest(
                        "field 'runAt' must be an ISO-8601 instant such as 2026-01-01T09:00:00Z, got '" + runAt + "'");
            }
            if (at.isAfter(Instant.now().plus(config.maxRunAhead()))) {
                throw ApiError.badRequest(
                        "field 'runAt' is more than " + config.maxRunAhead().toDays() + " days ahead");
            }
            return job.withRunAt(at);
        }
        return job;
    }

    private NewJob withTimeout(NewJob job) {
        if (timeoutSeconds == null) return job;
        if (timeoutSeconds <= 0 || timeoutSeconds > Duration.ofDays(7).toSeconds()) {
            throw ApiError.badRequest("field 'timeoutSeconds' must be 1..604800, got " + timeoutSeconds);
        }
        return job.withTimeout(Duration.ofSeconds(timeoutSeconds));
    }
}
