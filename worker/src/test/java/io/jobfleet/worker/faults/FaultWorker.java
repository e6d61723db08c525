package io.jobfleet.worker.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.testing.ChildWorkerMain;
import io.jobfleet.worker.testing.InlineHandler;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a worker JVM of the fault suite runs ({@link ChildWorkerMain} with {@code --fleet} this class,
 * options as it takes them). Its one handler, "hist", records each run in a file of its own
 * ({@code exec-<id>.log} under {@code --history}) instead of in the Redis under test: a start
 * line, a sleep of {@code ms} (interruptible), an end line. Optional payload fields make a job misbehave (job faults): {@code halt: true}
 * halts the JVM right after the start line, every time; {@code hangMs} with {@code hangAttempts}
 * hangs that long on attempts up to {@code hangAttempts}, absorbing interrupts as a hung
 * downstream call would, then ends normally; {@code failWhile: name} throws, without an end line,
 * while a file of that name exists in the history directory (a downstream outage).
 */
public final class FaultWorker implements ChildWorkerMain.Fleet {
    static final String TYPE = "hist";

    FaultWorker() {}

    @Override
    public Handlers handlers(ChildWorkerMain.Options options, Redis redis) {
        Path history = options.history();
        HistoryLog log = new HistoryLog(history.resolve("exec-" + options.id() + ".log"));
        return new Handlers().add(handler(log, options.id(), history));
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
}
