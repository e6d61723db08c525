package io.jobfleet.worker;

import io.jobfleet.common.error.RedisOutOfMemoryException;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partition;
import java.time.Duration;

/**
 * Waits on one queue's pending list with a blocking command on its own connection, while the
 * fetcher is idle, and wakes the fetcher when a job arrives. With Redis memory full the blocking
 * command is refused, so it falls back to waking the fetcher every 100 ms (claims still work).
 */
final class QueueWaiter implements Runnable {
    private static final Duration BLOCK = Duration.ofSeconds(2);

    private final Partition partition;
    private final String queue;
    private final Leases store;
    private final Wake wake;
    private final Outage outage;
    private volatile boolean running = true;

    QueueWaiter(Partition partition, Leases store, Wake wake, Outage outage) {
        this.partition = partition;
        this.queue = partition.name();
        this.store = store;
        this.wake = wake;
        this.outage = outage;
    }

    void stop() {
        running = false;
    }

    @Override
    public void run() {
        int failures = 0;
        while (running) {
            try {
                wake.awaitArmed(queue);
                long started = System.currentTimeMillis();
                boolean hasJobs = store.awaitJobs(partition, BLOCK);
                outage.up(queue, started);
                failures = 0;
                if (hasJobs) wake.signal();
            } catch (InterruptedException e) {
                if (!running) return;
            } catch (RedisOutOfMemoryException e) {
                sleep(100);
                wake.signal();
            } catch (RedisUnavailableException e) {
                if (!running) return; // shutting down: the connection may close under us
                outage.down(queue, e);
                sleep(Backoff.delayMs(++failures));
            } catch (RuntimeException e) {
                Backoff.logUnexpected("waiter of queue " + queue, e);
                sleep(Backoff.delayMs(++failures));
            }
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
