package io.jobfleet.worker.testing;

import io.jobfleet.common.error.RedisUnavailableException;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition on observable state instead of sleeping a guessed time. Redis outages count as "not yet". */
public final class Await {
    private Await() {}

    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) return;
                last = null;
            } catch (RedisUnavailableException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what, last);
            }
            pause(25);
        }
    }

    /** Sleeps; for the few checks that something does NOT happen within a while. */
    public static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
