package io.jobfleet.worker.testing;

import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.JobContext;
import io.jobfleet.worker.demo.NoopHandler;
import io.jobfleet.worker.demo.SleepHandler;
import java.util.Map;

/**
 * The handlers of the test fleet, the same in-process and in a child JVM ({@link ChildWorkerMain}). Each run
 * of "record", "slow", "stubborn" and "crash" is logged in {@link Executions}.
 *
 * <ul>
 *   <li>noop, sleep: the demo handlers
 *   <li>record: logs start, sleeps {@code ms} (default 0) checking cancellation every 20 ms, logs end
 *   <li>slow: logs start, {@code Thread.sleep(ms)} (interruptible), logs end
 *   <li>stubborn: logs start, sleeps {@code ms} ignoring interrupts, logs end and returns normally
 *   <li>crash: logs start, then halts the JVM (exit 137) every time
 * </ul>
 * All but the demo ones return {@code {"worker": id, "attempt": n}}.
 */
public final class TestHandlers {
    private TestHandlers() {}

    public static Handlers standard(Redis recorder, String workerId) {
        return new Handlers()
                .add(new NoopHandler())
                .add(new SleepHandler())
                .add(record(recorder, workerId))
                .add(new InlineHandler("slow", ctx -> {
                    Executions.record(recorder, ctx, workerId, Executions.START);
                    Thread.sleep(ms(ctx, 1000));
                    Executions.record(recorder, ctx, workerId, Executions.END);
                    return result(ctx, workerId);
                }))
                .add(new InlineHandler("stubborn", ctx -> {
                    Executions.record(recorder, ctx, workerId, Executions.START);
                    sleepIgnoringInterrupts(ms(ctx, 1000));
                    recordIgnoringInterrupts(recorder, ctx, workerId, Executions.END);
                    return result(ctx, workerId);
                }))
                .add(new InlineHandler("crash", ctx -> {
                    Executions.record(recorder, ctx, workerId, Executions.START);
                    Runtime.getRuntime().halt(137);
                    return null;
                }));
    }

    public static InlineHandler record(Redis recorder, String workerId) {
        return new InlineHandler("record", ctx -> {
            Executions.record(recorder, ctx, workerId, Executions.START);
            long ms = ms(ctx, 0);
            long deadline = System.nanoTime() + ms * 1_000_000;
            while (System.nanoTime() < deadline) {
                ctx.checkCancelled();
                Thread.sleep(Math.max(1, Math.min(20, (deadline - System.nanoTime()) / 1_000_000)));
            }
            Executions.record(recorder, ctx, workerId, Executions.END);
            return result(ctx, workerId);
        });
    }

    static long ms(JobContext ctx, long otherwise) {
        return ctx.payload().path("ms").asLong(otherwise);
    }

    static Map<String, Object> result(JobContext ctx, String workerId) {
        return Map.of("worker", workerId, "attempt", ctx.attempt());
    }

    /** An interrupt during socket I/O of a virtual thread closes the connection; a deaf handler just tries again. */
    static void recordIgnoringInterrupts(Redis recorder, JobContext ctx, String workerId, String event) {
        for (int attempt = 1; ; attempt++) {
            Thread.interrupted();
            try {
                Executions.record(recorder, ctx, workerId, event);
                return;
            } catch (RedisUnavailableException e) {
                if (attempt == 5) throw e;
            }
        }
    }

    /** Sleeps {@code ms} whatever happens, and leaves no interrupt behind (so the handler's own I/O still works). */
    static void sleepIgnoringInterrupts(long ms) {
        long deadline = System.nanoTime() + ms * 1_000_000;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                Thread.interrupted();
                return;
            }
            try {
                Thread.sleep(left);
            } catch (InterruptedException ignored) {
                // this handler is deliberately deaf to interrupts
            }
        }
    }
}
