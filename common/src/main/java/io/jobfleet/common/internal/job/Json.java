package io.jobfleet.common.internal.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Map;

/**
 * The one configured Jackson mapper: unknown fields are ignored, so older and newer records load.
 * The {@code MAX_*} limits are the one set every stored JSON value (payload, result, progress)
 * is held to: the reader refuses past them, and {@link #checkValue} refuses to write past them,
 * so anything written can be read back. Envelopes (API responses, exports) that hold a value
 * are written without a limit; nothing reads them back through this mapper.
 */
public final class Json {
    public static final int MAX_DEPTH = 64;
    public static final int MAX_STRING_CHARS = 10_000_000;
    public static final int MAX_NAME_CHARS = 50_000;
    public static final int MAX_NUMBER_CHARS = 1_000;

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(MAX_STRING_CHARS)
                        .maxNameLength(MAX_NAME_CHARS)
                        .maxNumberLength(MAX_NUMBER_CHARS)
                        .build());
    }

    private Json() {}

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "not valid JSON for " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Refuses a value {@link #read} could not read back: nesting, strings, field names or
     * numbers past the {@code MAX_*} limits. {@code what} names the value in the message
     * ("payload", "result", "progress"). Stops at the first container past the depth limit.
     */
    public static void checkValue(String what, JsonNode value) {
        if (value != null) check(what, value, 0);
    }

    /**
     * {@link #checkValue}, and refuses a value whose JSON is more than {@code maxBytes} bytes
     * (UTF-8), as Redis would hold it. Counted without keeping a copy.
     */
    public static void checkValue(String what, JsonNode value, long maxBytes) {
        if (value == null) return;
        checkValue(what, value);
        ByteCount count = new ByteCount();
        try {
            MAPPER.writeValue(count, value);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot write " + what + " as JSON: " + e.getMessage(), e);
        }
        checkBytes(what, count.bytes, maxBytes);
    }

    /**
     * {@link #checkValue(String, JsonNode, long)} for a value about to be stored: returns its JSON,
     * written once, or null for none (null or JSON null), so the caller never writes it again.
     */
    public static String writeChecked(String what, JsonNode value, long maxBytes) {
        if (value == null || value.isNull()) return null;
        checkValue(what, value);
        String json = write(value);
        checkBytes(what, utf8Length(json), maxBytes);
        return json;
    }

    private static void checkBytes(String what, long bytes, long maxBytes) {
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(
                    what + " is " + bytes + " bytes of JSON (the limit is " + maxBytes + ")");
        }
    }

    /** The UTF-8 length of {@code s}, counted without encoding it. */
    private static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) bytes += 1;
            else if (c < 0x800) bytes += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else bytes += 3;
        }
        return bytes;
    }

    /** Counts what is written to it and keeps nothing. */
    private static final class ByteCount extends java.io.OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    private static void check(String what, JsonNode node, int depth) {
        if (node.isContainerNode()) {
            if (depth + 1 > MAX_DEPTH) {
                throw new IllegalArgumentException(
                        what + " is nested more than " + MAX_DEPTH + " levels deep (the limit is " + MAX_DEPTH + ")");
            }
            if (node.isObject()) {
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    limit(what, "a field name", field.getKey().length(), MAX_NAME_CHARS, "characters");
                    check(what, field.getValue(), depth + 1);
                }
            } else {
                for (JsonNode item : node) check(what, item, depth + 1);
            }
        } else if (node.isTextual()) {
            limit(what, "a string", node.textValue().length(), MAX_STRING_CHARS, "characters");
        } else if (node.isBigInteger() || node.isBigDecimal()) {
            limit(what, "a number", node.numberValue().toString().length(), MAX_NUMBER_CHARS, "characters");
        }
    }

    private static void limit(String what, String part, int size, int max, String unit) {
        if (size > max) {
            throw new IllegalArgumentException(
                    what + " holds " + part + " of " + size + " " + unit + " (the limit is " + max + ")");
        }
    }
}
