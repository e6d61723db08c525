package io.jobfleet.worker.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import io.jobfleet.worker.testing.InlineHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker JVM for the fault suite, started by {@link io.jobfleet.worker.testing.ChildWorker}. Like the shared
 * {@code WorkerProcess}, but its one handler, "hist", records each run in a file of its own
 * ({@code exec-<id>.log} under {@code --history}) instead of in the Redis under test: a start
 * line, a sleep of {@code ms} (interruptible), an end line. Options (all {@code --name value}):
 * redis, id, history, queues, concurrency, lease-ms, renew-ms, reap-ms, grace-ms, poison,
 * hung-grace-ms, breaker ({@code off}: no circuit breakers). Optional payload fields make a job misbehave (job faults): {@code halt: true}
 * halts the JVM right after the start line, every time; {@code hangMs} with {@code hangAttempts}
 * hangs that long on attempts up to {@code hangAttempts}, absorbing interrupts as a hung
 * downstream call would, then ends normally; {@code failWhile: name} throws, without an end line,
 * while a file of that name exists in the history directory (a downstream outage).
 * Prints {@code READY <id>} once started; stops gracefully on SIGTERM.
 */
public final class FaultWorker {
    static final String TYPE = "hist";

    private FaultWorker() {}

    public static void main(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) options.put(args[i].substring(2), args[i + 1]);
        String id = options.get("id");
        WorkerConfig.Builder config = WorkerConfig.builder().id(id).queues(options.getOrDefault("queues", "default"));
        if (options.containsKey("concurrency")) config.concurrency(Integer.parseInt(options.get("concurrency")));
        if (options.containsKey("lease-ms")) config.lease(ms(options.get("lease-ms")));
        if (options.containsKey("renew-ms")) config.renewEvery(ms(options.get("renew-ms")));
        if (options.containsKey("reap-ms")) config.reapEvery(ms(options.get("reap-ms")));
        if (options.containsKey("grace-ms")) config.shutdownGrace(ms(options.get("grace-ms")));
        if (options.containsKey("poison")) config.poisonLimit(Integer.parseInt(options.get("poison")));
        if (options.containsKey("hung-grace-ms")) config.hungJobGrace(ms(options.get("hung-grace-ms")));
        if ("off".equals(options.get("breaker"))) config.breaker(WorkerConfig.BreakerSettings.OFF);
        Path history = Path.of(options.get("history"));
        HistoryLog log = new HistoryLog(history.resolve("exec-" + id + ".log"));
        Redis redis = Redis.connect(RedisSettings.fromUrl(options.get("redis")));
        Worker worker = new Worker(redis, config.build(), new Handlers().add(handler(log, id, history)));
        worker.stopOnShutdown();
        worker.start();
        System.out.println("READY " + id);
        System.out.flush();
        // dies with the test JVM: our stdin is its pipe, closed when it exits
        try {
            while (System.in.read() != -1) {
                // nothing is sent; only the end matters
            }
        } catch (IOException e) {
            // the pipe broke: same as its end
        }
        Runtime.getRuntime().halt(3);
    }

    static InlineHandler handler(HistoryLog log, String workerId) {
        return handler(log, workerId, null);
    }

    /** The "hist" handler; {@code history} (may be null: no {@code failWhile}) holds the outage flag files. */
    static InlineHandler handler(HistoryLog log, String workerId, Path history) {
        return new InlineHandler(TYPE, ctx -> {
            JsonNode payload = ctx.payload();
            String key = payload.path("key").asText("-");
            log.append("S", ctx.id(), key, workerId, ctx.attempt(), System.currentTimeMillis());
            try {
                if (payload.path("halt").asBoolean(false)) Runtime.getRuntime().halt(7);
                String failWhile = payload.path("failWhile").asText("");
                if (history != null && !failWhile.isEmpty() && Files.exists(history.resolve(failWhile))) {
                    throw new IllegalStateException("downstream unavailable (" + failWhile + " exists)");
                }
                if (ctx.attempt() <= payload.path("hangAttempts").asInt(0)
                        && hang(payload.path("hangMs").asLong(0))) {
                    throw new IllegalStateException("timed out while hung");
                }
                Thread.sleep(payload.path("ms").asLong(0));
            } catch (RuntimeException e) {
                // a failure of the job itself (an error, a hung call timed out): the worker records it
                // and the next run is a retry, not a duplicate. An interrupt (shutdown, lost lease,
                // cancel) is not written: a run after it is a re-run of work cut short.
                log.append("F", ctx.id(), key, workerId, ctx.attempt(), System.currentTimeMillis());
                throw e;
            }
            log.append("E", ctx.id(), key, workerId, ctx.attempt(), System.currentTimeMillis());
            return null;
        });
    }

    /** Sleeps through interrupts for {@code ms}, as a hung call would; true if it was interrupted (timed out). */
    private static boolean hang(long ms) {
        boolean interrupted = false;
        long until = System.nanoTime() + ms * 1_000_000;
        for (long left = ms; left > 0; left = (until - System.nanoTime()) / 1_000_000) {
            try {
                Thread.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true; // absorbed: the call does not notice
            }
        }
        return interrupted;
    }

    private static Duration ms(String value) {
        return Duration.ofMillis(Long.parseLong(value));
    }
}
