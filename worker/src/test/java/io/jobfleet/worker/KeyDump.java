package io.jobfleet.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.TestRedis;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.StreamEntryID;

/**
 * Loads a dump of Redis keys written by an older release (format and time shifting in
 * common/src/test/resources/upgrade/README.md) into an empty Redis, moved to the present.
 */
final class KeyDump {
    /** Hash fields that hold an epoch-ms time: shifted with the sorted set scores. */
    static final Set<String> TIME_FIELDS =
            Set.of("createdAt", "enqueuedAt", "startedAt", "finishedAt", "runAt", "lastBeat");

    private static final ObjectMapper JSON = new ObjectMapper();

    private KeyDump() {}

    /** Writes every key of {@code resource}; returns the keys, in file order. */
    static List<String> load(Redis redis, String resource) {
        List<JsonNode> lines = read(resource);
        long shift = redis.serverTimeMs()
                - lines.get(0).path("meta").path("serverTimeMs").asLong();
        List<String> keys = new ArrayList<>();
        for (JsonNode line : lines.subList(1, lines.size())) {
            write(redis, line, shift);
            keys.add(line.path("key").asText());
        }
        return keys;
    }

    private static void write(Redis redis, JsonNode line, long shift) {
        String key = line.path("key").asText();
        JsonNode value = line.path("value");
        TestRedis.raw(redis, j -> switch (line.path("type").asText()) {
            case "string" -> j.set(key, value.asText());
            case "hash" -> j.hset(key, shifted(value, shift));
            case "list" -> j.rpush(key, strings(value).toArray(String[]::new));
            case "set" -> j.sadd(key, strings(value).toArray(String[]::new));
            case "zset" -> {
                Map<String, Double> members = new LinkedHashMap<>();
                value.forEach(
                        m -> members.put(m.get(0).asText(), (double) (m.get(1).asLong() + shift)));
                yield j.zadd(key, members);
            }
            case "stream" -> {
                for (JsonNode entry : value) {
                    j.xadd(key, new StreamEntryID(entry.path("id").asText()), fields(entry.path("fields")));
                }
                yield null;
            }
            default -> throw new IllegalStateException(key + ": unknown type " + line.path("type"));
        });
        long ttl = line.path("ttl").asLong();
        if (ttl > 0) TestRedis.raw(redis, j -> j.pexpire(key, ttl));
    }

    private static Map<String, String> shifted(JsonNode hash, long shift) {
        Map<String, String> out = fields(hash);
        for (String field : TIME_FIELDS) {
            String v = out.get(field);
            if (v != null && !v.isEmpty() && !v.equals("0")) out.put(field, Long.toString(Long.parseLong(v) + shift));
        }
        return out;
    }

    private static Map<String, String> fields(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        object.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static List<JsonNode> read(String resource) {
        try (InputStream in = KeyDump.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test resource " + resource);
            List<JsonNode> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) out.add(JSON.readTree(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
