package io.jobfleet.worker.faults;

import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.Retention;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import io.jobfleet.worker.testing.InlineHandler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker JVM of the clock-skew fault ({@link ClockSkewTest}), shaped like {@link FaultWorker}
 * and started the same way, usually under {@code faketime}. Before {@code READY <id>} it prints
 * {@code CLOCK <local ms> <Redis TIME ms>} so the test can see the skew took effect.
 *
 * <p>Its handler, "hist" (the type {@link Producers} enqueues), fails the first {@link #failures}
 * attempts of a job (a number derived from its key), then sleeps {@code ms} and succeeds. Every
 * attempt goes to {@code try-<id>.log}: {@code S id key worker attempt localMs serverMs runAt
 * failedAt} at its start (runAt: the due time the last failure scheduled; failedAt: that failure's
 * time, both on the Redis clock, 0 on a first attempt), then {@code F ...} or {@code E ...}. Only the
 * succeeding attempt goes to {@code exec-<id>.log} in {@link FaultWorker}'s format, so the history
 * checker counts a second run of it as a duplicate.
 */
public final class SkewWorker {
    private SkewWorker() {}

    /** How many attempts of the job with this idempotency key fail before one succeeds: 0, 1 or 2. */
    static int failures(String key) {
        int h = Math.floorMod(key.hashCode() * 31 + 7, 8);
        return h == 0 ? 2 : h <= 2 ? 1 : 0;
    }

    public static void main(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) options.put(args[i].substring(2), args[i + 1]);
        String id = options.get("id");
        WorkerConfig.Builder config = WorkerConfig.builder().id(id).queues(options.getOrDefault("queues", "default"));
        if (options.containsKey("concurrency")) config.concurrency(Integer.parseInt(options.get("concurrency")));
        if (options.containsKey("lease-ms")) config.lease(ms(options.get("lease-ms")));
        if (options.containsKey("renew-ms")) config.renewEvery(ms(options.get("renew-ms")));
        if (options.containsKey("reap-ms")) config.reapEvery(ms(options.get("reap-ms")));
        // this fault is about clocks: planned failures must not open the job type's breaker
        config.breaker(WorkerConfig.BreakerSettings.OFF);
        Path dir = Path.of(options.get("history"));
        HistoryLog exec = new HistoryLog(dir.resolve("exec-" + id + ".log"));
        HistoryLog tries = new HistoryLog(dir.resolve("try-" + id + ".log"));
        Redis redis = Redis.connect(RedisSettings.fromUrl(options.get("redis")));
        JobStore store = new JobStore(redis, Retention.DEFAULT);

        long before = System.currentTimeMillis();
        long server = redis.serverTimeMs();
        long after = System.currentTimeMillis();
        Worker worker = new Worker(redis, config.build(), new Handlers().add(handler(exec, tries, redis, store, id)));
        worker.stopOnShutdown();
        worker.start();
        System.out.println("CLOCK " + (before + after) / 2 + " " + server);
        System.out.println("READY " + id);
        System.out.flush();
        try {
            while (System.in.read() != -1) {
                // nothing is sent; only the end matters (the test JVM is gone)
            }
        } catch (IOException e) {
            // the pipe broke: same as its end
        }
        Runtime.getRuntime().halt(3);
    }

    private static InlineHandler handler(
            HistoryLog exec, HistoryLog tries, Redis redis, JobStore store, String workerId) {
        return new InlineHandler(FaultWorker.TYPE, ctx -> {
            long local = System.currentTimeMillis();
            long server = redis.serverTimeMs();
            String key = ctx.payload().path("key").asText("-");
            long runAt = 0;
            long failedAt = 0;
            if (ctx.attempt() > 1) {
                JobRecord job = store.get(ctx.queue(), ctx.id()).orElseThrow();
                List<AttemptError> errors = job.errors();
                runAt = job.runAt();
                failedAt = errors.isEmpty() ? 0 : errors.get(errors.size() - 1).at();
            }
            tries.append("S", ctx.id(), key, workerId, ctx.attempt(), local, server, runAt, failedAt);
            if (ctx.attempt() <= failures(key)) {
                tries.append("F", ctx.id(), key, workerId, ctx.attempt(), System.currentTimeMillis());
                throw new IllegalStateException("planned failure " + ctx.attempt() + " of " + key);
            }
            exec.append("S", ctx.id(), key, workerId, ctx.attempt(), local);
            Thread.sleep(ctx.payload().path("ms").asLong(0));
            exec.append("E", ctx.id(), key, workerId, ctx.attempt(), System.currentTimeMillis());
            tries.append("E", ctx.id(), key, workerId, ctx.attempt(), System.currentTimeMillis());
            return null;
        });
    }

    private static Duration ms(String value) {
        return Duration.ofMillis(Long.parseLong(value));
    }
}
