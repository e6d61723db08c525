package io.jobfleet.worker.faults;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.testing.ChildWorkerMain;
import io.jobfleet.worker.testing.InlineHandler;

/**
 * The worker JVM of the flow-control tests ({@link ChildWorkerMain} with {@code --fleet} this
 * class). One handler per type named in {@code --types} (comma-separated; default {@code A,B,R,F}),
 * each writing to {@code exec-<id>.log} under {@code --history} the lines {@link HistoryChecker}
 * reads, with two more fields: the claim's {@code startedAt} (the Redis clock, what rate windows
 * count in) and the job type. A run is a start line, a sleep of the payload's {@code ms}, an end line.
 */
public final class FlowWorker implements ChildWorkerMain.Fleet {
    FlowWorker() {}

    @Override
    public Handlers handlers(ChildWorkerMain.Options options, Redis redis) {
        HistoryLog log = new HistoryLog(options.history().resolve("exec-" + options.id() + ".log"));
        Redis recorder = Redis.connect(RedisSettings.fromUrl(options.redisUrl())
                .withClientName("recorder")
                .withPoolSize(32));
        Handlers handlers = new Handlers();
        for (String type : options.values().getOrDefault("types", "A,B,R,F").split(",")) {
            handlers.add(new InlineHandler(type, ctx -> run(ctx, log, recorder, options.id())));
        }
        return handlers;
    }

    private static Object run(JobContext ctx, HistoryLog log, Redis recorder, String worker)
            throws InterruptedException {
        String key = ctx.payload().path("key").asText("-");
        long startedAt = Long.parseLong(
                TestRedis.raw(recorder, j -> j.hget(Keys.of(ctx.queue()).job(ctx.id()), "startedAt")));
        log.append("S", ctx.id(), key, worker, ctx.attempt(), System.currentTimeMillis(), startedAt, ctx.type());
        Thread.sleep(ctx.payload().path("ms").asLong(0));
        log.append("E", ctx.id(), key, worker, ctx.attempt(), System.currentTimeMillis(), startedAt, ctx.type());
        return null;
    }
}
