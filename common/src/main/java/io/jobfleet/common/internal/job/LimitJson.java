package io.jobfleet.common.internal.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.job.Limit;
import io.jobfleet.common.job.LimitUsage;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A limit as JSON, the one format of the HTTP API, the HTTP client and {@code jobfleet limits
 * list --json}. Body of a PUT: {@code {"concurrency": 5, "rate": 100, "period": "1s"}} (each
 * optional, a rate with its period); a listed limit adds {@code scope}, {@code periodMs},
 * {@code running} and {@code startsInWindow}. Absent fields are left out, never null.
 */
public final class LimitJson {
    private LimitJson() {}

    /** The body of a PUT of this limit. */
    public static Map<String, Object> body(Limit limit) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (limit.concurrency() != null) out.put("concurrency", limit.concurrency());
        if (limit.rate() != null) {
            out.put("rate", limit.rate());
            out.put("period", Limit.periodText(limit.period()));
        }
        return out;
    }

    /** A listed limit with its usage. */
    public static Map<String, Object> view(LimitUsage usage) {
        Limit limit = usage.limit();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scope", limit.scope());
        out.putAll(body(limit));
        if (limit.period() != null) out.put("periodMs", limit.period().toMillis());
        if (usage.running() != null) out.put("running", usage.running());
        if (usage.startsInWindow() != null) out.put("startsInWindow", usage.startsInWindow());
        return out;
    }

    /** A listed limit of {@code queue} read back from {@link #view}. */
    public static LimitUsage readView(String queue, JsonNode view) {
        Limit limit = parse(queue, view.path("scope").asText(), view, true);
        return new LimitUsage(
                limit,
                view.has("running") ? view.get("running").asLong() : null,
                view.has("startsInWindow") ? view.get("startsInWindow").asLong() : null);
    }

    /**
     * The limit a PUT body sets on {@code scope} of {@code queue}. Throws {@link
     * IllegalArgumentException} naming the field: an unknown field, a wrong type, a value out of
     * range.
     */
    public static Limit parse(String queue, String scope, JsonNode body) {
        return parse(queue, scope, body, false);
    }

    private static Limit parse(String queue, String scope, JsonNode body, boolean listed) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException(
                    "the body must be a JSON object: {\"concurrency\": N, \"rate\": N," + " \"period\": \"1s\"}");
        }
        Integer concurrency = null;
        Integer rate = null;
        Duration period = null;
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            JsonNode value = field.getValue();
            switch (field.getKey()) {
                case "concurrency" -> concurrency = number("concurrency", value);
                case "rate" -> rate = number("rate", value);
                case "period" -> {
                    if (!value.isTextual())
                        throw new IllegalArgumentException("period must be a string such as \"1s\", \"500ms\", \"1m\"");
                    period = Limit.parsePeriod(value.asText());
                }
                case "scope", "periodMs", "running", "startsInWindow" -> {
                    if (!listed) throw unknown(field.getKey());
                }
                default -> throw unknown(field.getKey());
            }
        }
        return new Limit(queue, scope, concurrency, rate, period);
    }

    private static Integer number(String field, JsonNode value) {
        if (value.isNull()) return null;
        if (!value.isIntegralNumber())
            throw new IllegalArgumentException(field + " must be an integer 1.." + Limit.MAX);
        if (!value.canConvertToInt()) {
            throw new IllegalArgumentException(field + " must be 1.." + Limit.MAX + ", got " + value.asText());
        }
        return value.intValue();
    }

    private static IllegalArgumentException unknown(String field) {
        String shown = field.length() > 64 ? field.substring(0, 64) + "..." : field;
        return new IllegalArgumentException("unknown field '" + shown + "'; known fields: concurrency, rate, period");
    }
}
