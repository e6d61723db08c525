package io.jobfleet.common.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * A unique-job rule: at most one job of a queue holds {@code key} while the rule's {@link Mode}
 * says so; an enqueue that meets it does what {@link OnConflict} says. The key is the client's,
 * or derived from the job type and the named payload fields. Throttle is {@code PERIOD} with
 * {@code EXISTING}; debounce is {@code DEBOUNCE}. See docs/flow-control.md.
 */
public record Unique(String key, List<String> fields, Mode mode, Duration period, OnConflict onConflict) {
    public static final int MAX_KEY_CHARS = 255;
    /** The longest period or debounce window: 30 days. */
    public static final Duration MAX_PERIOD = Duration.ofDays(30);

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
            .disable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    public enum Mode {
        /** Unique while the holder waits (QUEUED or SCHEDULED). */
        QUEUED,
        /** Unique while the holder waits or runs. */
        ACTIVE,
        /** Unique for {@code period} from the holder's enqueue, whatever became of it (throttle). */
        PERIOD,
        /**
         * The job runs {@code period} after the last enqueue of its key: each enqueue within the
         * window replaces the waiting job's payload and pushes its start back.
         */
        DEBOUNCE
    }

    public enum OnConflict {
        /** Answer with the job that holds the key; nothing changes. */
        EXISTING,
        /** Replace the holder's payload while it still waits (else answer with it). */
        REPLACE,
        /** Refuse: nothing is enqueued (HTTP 409). */
        REFUSE
    }

    public Unique {
        fields = fields == null ? List.of() : List.copyOf(fields);
        mode = mode == null ? Mode.ACTIVE : mode;
        onConflict = onConflict == null ? OnConflict.EXISTING : onConflict;
        if (key == null && fields.isEmpty()) throw new IllegalArgumentException("unique needs a key or payload fields");
        if (key != null && (key.isEmpty() || key.length() > MAX_KEY_CHARS)) {
            throw new IllegalArgumentException("unique key must be 1-" + MAX_KEY_CHARS + " characters");
        }
        boolean timed = mode == Mode.PERIOD || mode == Mode.DEBOUNCE;
        if (timed && (period == null || period.toMillis() < 1 || period.compareTo(MAX_PERIOD) > 0)) {
            throw new IllegalArgumentException("unique period must be 1 ms to 30 days for mode " + mode);
        }
        if (!timed && period != null)
            throw new IllegalArgumentException("a unique period goes with PERIOD or DEBOUNCE");
    }

    public static Unique byKey(String key, Mode mode) {
        return new Unique(key, null, mode, null, null);
    }

    /** Unique by the job type and these payload fields' values. */
    public static Unique byFields(List<String> fields, Mode mode) {
        return new Unique(null, fields, mode, null, null);
    }

    /** Throttle: one job per key per {@code window}; later enqueues in the window get the first job. */
    public static Unique throttle(String key, Duration window) {
        return new Unique(key, null, Mode.PERIOD, window, OnConflict.EXISTING);
    }

    /** Debounce: the job runs {@code window} after the last enqueue of its key, with the last payload. */
    public static Unique debounce(String key, Duration window) {
        return new Unique(key, null, Mode.DEBOUNCE, window, OnConflict.REPLACE);
    }

    public Unique withMode(Mode value) {
        return new Unique(key, fields, value, period, onConflict);
    }

    public Unique withPeriod(Duration value) {
        return new Unique(key, fields, mode, value, onConflict);
    }

    public Unique withOnConflict(OnConflict value) {
        return new Unique(key, fields, mode, period, value);
    }

    Unique withKey(String value) {
        return new Unique(value, fields, mode, period, onConflict);
    }

    /** {@code type:} and a hash of the named fields' values (missing fields count as null). */
    static String derive(String type, List<String> fields, JsonNode payload) {
        ObjectNode picked = CANONICAL.createObjectNode();
        for (String field : fields) picked.set(field, payload.get(field));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest(CANONICAL.writeValueAsBytes(picked));
            return type + ":" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot derive a unique key", e);
        }
    }
}
