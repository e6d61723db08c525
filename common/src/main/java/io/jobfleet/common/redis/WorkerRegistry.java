package io.jobfleet.common.redis;

import io.jobfleet.common.job.WorkerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Live workers, for {@code jobfleet workers list}: each worker's hash expires unless its
 * heartbeat refreshes it, and the index drops ids whose hash is gone.
 */
public final class WorkerRegistry {
    private final Redis redis;

    public WorkerRegistry(Redis redis) {
        this.redis = redis;
    }

    public void heartbeat(WorkerInfo w, Duration ttl) {
        String key = Keys.worker(w.id());
        long now = redis.serverTimeMs();
        redis.call(j -> j.hset(
                key,
                Map.of(
                        "host",
                        w.host(),
                        "pid",
                        Long.toString(w.pid()),
                        "queues",
                        w.queues(),
                        "slots",
                        Integer.toString(w.slots()),
                        "busy",
                        Integer.toString(w.busy()),
                        "startedAt",
                        Long.toString(w.startedAt()),
                        "lastBeat",
                        Long.toString(now),
                        "version",
                        w.version())));
        redis.call(j -> j.pexpire(key, ttl.toMillis()));
        redis.call(j -> j.zadd(Keys.workers(), now, w.id()));
    }

    public void remove(String id) {
        redis.call(j -> j.del(Keys.worker(id)));
        redis.call(j -> j.zrem(Keys.workers(), id));
    }

    public List<WorkerInfo> list() {
        List<WorkerInfo> workers = new ArrayList<>();
        for (String id : redis.call(j -> j.zrange(Keys.workers(), 0, -1))) {
            Map<String, String> h = redis.call(j -> j.hgetAll(Keys.worker(id)));
            if (h.isEmpty()) {
                redis.call(j -> j.zrem(Keys.workers(), id));
                continue;
            }
            workers.add(new WorkerInfo(
                    id,
                    h.get("host"),
                    Long.parseLong(h.getOrDefault("pid", "0")),
                    h.getOrDefault("queues", ""),
                    Integer.parseInt(h.getOrDefault("slots", "0")),
                    Integer.parseInt(h.getOrDefault("busy", "0")),
                    Long.parseLong(h.getOrDefault("startedAt", "0")),
                    Long.parseLong(h.getOrDefault("lastBeat", "0")),
                    h.getOrDefault("version", "")));
        }
        return workers;
    }
}
