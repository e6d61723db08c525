package io.jobfleet.worker;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Platform threads for the per-partition Redis calls that must not wait for one another (acks,
 * renewals): one partition's slow failure (a dead Cluster master, retried by the client for
 * seconds) holds only its own thread. Platform rather than virtual threads, so the client's
 * blocking inside a pool or a lock can never tie up the few carrier threads the jobs run on.
 * Threads are made on demand and end after a minute idle; there is at most one call in flight
 * per partition and loop, so their number is bounded by the partitions served.
 */
final class RedisCalls {
    static final ExecutorService CALLS = new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            60,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            Thread.ofPlatform().daemon().name("jobfleet-redis-call-", 0).factory());

    private RedisCalls() {}
}
