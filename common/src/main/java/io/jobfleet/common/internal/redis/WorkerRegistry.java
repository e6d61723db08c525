package io.jobfleet.common.internal.redis;

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

    /** Writes the worker's hash and its TTL in one script call, then indexes the worker (another slot on Cluster). */
    public void heartbeat(WorkerInfo w, Duration ttl) {
        List<String> args = List.of(
                Long.toString(ttl.toMillis()),
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
                "version",
                w.version());
        long now = Reply.code(redis.run(Script.HEARTBEAT, List.of(Keys.worker(w.id())), args));
        redis.call(j -> j.zadd(Keys.workers(), now, w.id()));
    }

    public void remove(String id) {
        redis.call(j -> j.del(Keys.worker(id)));
        redis.call(j -> j.zrem(Keys.workers(), id));
    }

    /** Every live worker: one read of the index, one pipelined read of the hashes, one removal of the stale ids. */
    public List<WorkerInfo> list() {
        List<String> ids = redis.call(j -> j.zrange(Keys.workers(), 0, -1));
        if (ids.isEmpty()) return List.of();
        List<Map<String, String>> hashes =
                redis.hgetAllMany(ids.stream().map(Keys::worker).toList());
        List<WorkerInfo> workers = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            Map<String, String> h = hashes.get(i);
            if (h.isEmpty()) {
                stale.add(ids.get(i)); // its hash expired: the worker stopped beating
                continue;
            }
            workers.add(new WorkerInfo(
                    ids.get(i),
                    h.get("host"),
                    Long.parseLong(h.getOrDefault("pid", "0")),
                    h.getOrDefault("queues", ""),
                    Integer.parseInt(h.getOrDefault("slots", "0")),
                    Integer.parseInt(h.getOrDefault("busy", "0")),
                    Long.parseLong(h.getOrDefault("startedAt", "0")),
                    Long.parseLong(h.getOrDefault("lastBeat", "0")),
                    h.getOrDefault("version", "")));
        }
        if (!stale.isEmpty()) redis.call(j -> j.zrem(Keys.workers(), stale.toArray(String[]::new)));
        return workers;
    }
}
