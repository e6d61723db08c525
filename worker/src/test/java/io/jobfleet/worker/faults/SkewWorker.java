package io.jobfleet.worker.faults;

import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.Retention;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.WorkerConfig;
import io.jobfleet.worker.testing.ChildWorkerMain;
import io.jobfleet.worker.testing.InlineHandler;
import java.util.List;

/**
 * What the worker JVMs of the clock-skew fault ({@link ClockSkewTest}) run, through
 * {@link ChildWorkerMain} like {@link FaultWorker}, usually under {@code faketime}; circuit breakers off. Before {@code READY <id>} it prints
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
public final class SkewWorker implements ChildWorkerMain.Fleet {
    SkewWorker() {}

    /** How many attempts of the job with this idempotency key fail before one succeeds: 0, 1 or 2. */
    static int failures(String key) {
        int h = Math.floorMod(key.hashCode() * 31 + 7, 8);
        return h == 0 ? 2 : h <= 2 ? 1 : 0;
    }

    private String clock = "";

    @Override
    public void configure(WorkerConfig.Builder config) {
        // this fault is about clocks: planned failures must not open the job type's breaker
        config.breaker(WorkerConfig.BreakerSettings.OFF);
    }

    @Override
    public Handlers handlers(ChildWorkerMain.Options options, Redis redis) {
        String id = options.id();
        HistoryLog exec = new HistoryLog(options.history().resolve("exec-" + id + ".log"));
        HistoryLog tries = new HistoryLog(options.history().resolve("try-" + id + ".log"));
        long before = System.currentTimeMillis();
        long server = redis.serverTimeMs();
        long after = System.currentTimeMillis();
        clock = "CLOCK " + (before + after) / 2 + " " + server;
        return new Handlers().add(handler(exec, tries, redis, new JobStore(redis, Retention.DEFAULT), id));
    }

    @Override
    public List<String> announcements() {
        return List.of(clock);
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
}
