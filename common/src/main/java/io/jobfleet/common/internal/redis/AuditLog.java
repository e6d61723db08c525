package io.jobfleet.common.internal.redis;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jobfleet.common.internal.job.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The record of operator mutations (requeue, purge, pause, resume, cancel), from the CLI and the
 * API: who, when (Redis clock), what, on which queue, how many jobs. Newest first, bounded to the
 * last {@value #KEPT} entries.
 */
public final class AuditLog {
    public static final int KEPT = 10_000;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(long at, String actor, String action, String queue, long count, Map<String, Object> detail) {}

    private final Redis redis;

    public AuditLog(Redis redis) {
        this.redis = redis;
    }

    public void record(String actor, String action, String queue, long count, Map<String, Object> detail) {
        String entry = Json.write(
                new Entry(redis.serverTimeMs(), actor, action, queue, count, detail.isEmpty() ? null : detail));
        redis.call(j -> j.lpush(Keys.audit(), entry));
        redis.call(j -> j.ltrim(Keys.audit(), 0, KEPT - 1));
    }

    public List<Entry> latest(int limit) {
        List<Entry> entries = new ArrayList<>();
        for (String json : redis.call(j -> j.lrange(Keys.audit(), 0, limit - 1)))
            entries.add(Json.read(json, Entry.class));
        return entries;
    }
}
