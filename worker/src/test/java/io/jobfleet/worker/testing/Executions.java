package io.jobfleet.worker.testing;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.worker.JobContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A log of handler runs kept in Redis outside the job's own keys ({@code test:executions}), so
 * a test sees every run of every worker, in-process or in another JVM, even runs whose outcome
 * was never recorded. Each entry is {@code jobId|workerId|attempt|event|epochMs}.
 */
public final class Executions {
    public static final String KEY = "test:executions";
    public static final String START = "start";
    public static final String END = "end";

    public record Execution(String jobId, String workerId, int attempt, String event, long atMs) {}

    private Executions() {}

    /** Appends one entry; retries while Redis is unavailable (a server restart), for up to a minute. */
    public static void record(Redis redis, JobContext ctx, String workerId, String event) {
        String entry = String.join(
                "|",
                ctx.id(),
                workerId,
                Integer.toString(ctx.attempt()),
                event,
                Long.toString(System.currentTimeMillis()));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                TestRedis.raw(redis, j -> j.rpush(KEY, entry));
                return;
            } catch (RedisUnavailableException e) {
                if (System.nanoTime() > deadline) throw e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    public static List<Execution> all(Redis redis) {
        List<String> entries = TestRedis.raw(redis, j -> j.lrange(KEY, 0, -1));
        List<Execution> out = new ArrayList<>(entries.size());
        for (String entry : entries) {
            String[] p = entry.split("\\|");
            out.add(new Execution(p[0], p[1], Integer.parseInt(p[2]), p[3], Long.parseLong(p[4])));
        }
        return out;
    }

    public static List<Execution> starts(Redis redis) {
        return select(redis, e -> e.event().equals(START));
    }

    public static List<Execution> starts(Redis redis, String jobId) {
        return select(redis, e -> e.event().equals(START) && e.jobId().equals(jobId));
    }

    public static List<Execution> select(Redis redis, Predicate<Execution> filter) {
        return all(redis).stream().filter(filter).toList();
    }

    /** Handler starts per job id. */
    public static Map<String, Long> startsByJob(Redis redis) {
        return starts(redis).stream()
                .collect(Collectors.groupingBy(Execution::jobId, TreeMap::new, Collectors.counting()));
    }
}
