package io.jobfleet.worker;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * The worker's background loops and the threads they run on: two timer threads for housekeeping
 * (promotion, reaping, heartbeats) and one lease thread (renewals and timeouts, so a long
 * housekeeping pass can never delay a renewal). Every loop is guarded: a RuntimeException is
 * logged and the loop carries on; an Error goes to {@code onDeath}, which stops the worker.
 */
final class Loops {
    /** The pause between two slices of a housekeeping backlog. */
    private static final long BACKLOG_PAUSE_MS = 20;

    final ScheduledExecutorService timers = Executors.newScheduledThreadPool(
            2, Thread.ofPlatform().daemon().name("jobfleet-timer-", 0).factory());
    final ScheduledExecutorService leaseTimer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("jobfleet-lease").factory());
    private final BiConsumer<String, Throwable> onDeath;

    Loops(BiConsumer<String, Throwable> onDeath) {
        this.onDeath = onDeath;
    }

    /** Starts a platform thread running {@code body}; an exception that ends it goes to {@code onDeath}. */
    Thread thread(String name, String loop, Runnable body) {
        return Thread.ofPlatform().name(name).start(() -> {
            try {
                body.run();
            } catch (RuntimeException | Error e) {
                onDeath.accept(loop, e);
            }
        });
    }

    void every(ScheduledExecutorService on, Duration interval, Runnable task) {
        var unused = on.scheduleWithFixedDelay(
                () -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        Backoff.logUnexpected("timer task", e);
                    } catch (Error e) {
                        onDeath.accept("timer task", e);
                    }
                },
                0,
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Runs {@code task} on the timers every {@code interval}, or again after a short pause when it
     * says a backlog is left (it works in bounded slices, so the other timer tasks get their turn).
     */
    void repeat(Duration interval, BooleanSupplier task) {
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            boolean more = false;
            try {
                more = task.getAsBoolean();
            } catch (RuntimeException e) {
                Backoff.logUnexpected("timer task", e);
            } catch (Error e) {
                onDeath.accept("timer task", e);
                return;
            }
            try {
                var unused =
                        timers.schedule(next[0], more ? BACKLOG_PAUSE_MS : interval.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // stopping
            }
        };
        timers.execute(next[0]);
    }

    /** Stops both timers; with {@code await}, waits up to {@code timeout} for a housekeeping slice under way. */
    void shutdown(boolean await, Duration timeout) {
        leaseTimer.shutdownNow();
        timers.shutdownNow();
        if (!await) return;
        try {
            timers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void joinQuietly(Thread thread, Duration timeout) {
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
