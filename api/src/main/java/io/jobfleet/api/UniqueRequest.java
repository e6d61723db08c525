package io.jobfleet.api;

import io.jobfleet.common.job.Unique;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code unique} object of an enqueue: a key or payload fields, a mode, a period for the
 * timed modes and what to do on a conflict. Checked here field by field, so a 400 names the
 * field ({@code unique.mode}); {@link Unique} then checks the whole again.
 */
record UniqueRequest(String key, List<String> fields, String mode, Long periodSeconds, String onConflict) {
    static final String KNOWN_FIELDS = "key, fields, mode, periodSeconds, onConflict";

    Unique toUnique() {
        if (key == null && (fields == null || fields.isEmpty()))
            throw ApiError.badRequest("field 'unique' needs a 'key' or a non-empty 'fields' list");
        if (key != null && (key.isEmpty() || key.length() > Unique.MAX_KEY_CHARS)) {
            throw ApiError.badRequest(
                    "field 'unique.key' must be 1-" + Unique.MAX_KEY_CHARS + " characters, got " + key.length());
        }
        if (fields != null) {
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i) == null || fields.get(i).isEmpty())
                    throw ApiError.badRequest("field 'unique.fields[" + i + "]' must be a non-empty string");
            }
        }
        Unique.Mode m = parse("unique.mode", mode, Unique.Mode.class, Unique.Mode.ACTIVE);
        Unique.OnConflict c = parse("unique.onConflict", onConflict, Unique.OnConflict.class, null);
        boolean timed = m == Unique.Mode.PERIOD || m == Unique.Mode.DEBOUNCE;
        if (timed && periodSeconds == null) {
            throw ApiError.badRequest("field 'unique.periodSeconds' is required with mode '"
                    + m.name().toLowerCase(Locale.ROOT) + "'");
        }
        if (!timed && periodSeconds != null) {
            throw ApiError.badRequest("field 'unique.periodSeconds' goes only with mode 'period' or 'debounce', not '"
                    + m.name().toLowerCase(Locale.ROOT) + "'");
        }
        if (timed && (periodSeconds < 1 || periodSeconds > Unique.MAX_PERIOD.toSeconds())) {
            throw ApiError.badRequest("field 'unique.periodSeconds' must be 1.." + Unique.MAX_PERIOD.toSeconds()
                    + " (30 days), got " + periodSeconds);
        }
        return new Unique(key, fields, m, timed ? Duration.ofSeconds(periodSeconds) : null, c);
    }

    /** An enum value written in any case ({@code "queued"}, {@code "QUEUED"}); null takes the default. */
    private static <E extends Enum<E>> E parse(String field, String value, Class<E> type, E absent) {
        if (value == null) return absent;
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) return e;
        }
        List<String> names = java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT))
                .toList();
        throw ApiError.badRequest(
                "field '" + field + "' must be one of " + String.join(", ", names) + ", got '" + value + "'");
    }
}
