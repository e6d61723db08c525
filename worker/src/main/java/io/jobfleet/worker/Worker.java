package io.jobfleet.worker;

import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.metrics.QueueGauges;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.Partitions;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.WorkerRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker: claims jobs from its queues and runs them, up to {@code concurrency} at once.
 * Threads: one {@link Fetcher}, one {@link QueueWaiter} per queue partition (each blocking on
 * its own connection; started and stopped as partition counts change, within a second), one {@link Acker}, one lease thread
 * (renewals and timeouts, never behind housekeeping), two timer threads (promotion, reaping,
 * heartbeats) and a virtual thread per running job. Redis outages are retried with
 * backoff and logged once down, once back. {@link #stop()} is the graceful shutdown: stop
 * claiming, let running jobs finish within the grace period, hand the rest back unspent; with
 * Redis unreachable it still returns within the grace plus a few seconds. An {@link Error} in
 * one of its loops (out of memory, say) stops the worker at once without handing anything back:
 * its leases are no longer renewed, so its jobs run again elsewhere.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final WorkerConfig config;
    private final Leases store;
    private final WorkerRegistry registry;
    private final WorkerMetrics metrics;
    private final Outage outage;
    private final QueueGauges gauges;
    private final Semaphore slots;
    private final ScheduledExecutorService timers;
    /** Lease renewal and timeouts only: a long housekeeping pass on the timers can never delay a renewal. */
    private final ScheduledExecutorService leaseTimer;

    private final Processor processor;
    private final Fetcher fetcher;
    private final LeaseKeeper leaseKeeper;
    private final Maintenance maintenance;
    private final Layout layout;
    private final Wake wake = new Wake();
    private final Waiters waiters;
    private final Heartbeat heartbeat;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch terminated = new java.util.concurrent.CountDownLatch(1);

    public Worker(Redis redis, WorkerConfig config, Handlers handlers) {
        int needed = config.queues().size() + 4;
        if (redis.settings().poolSize() < needed) {
            throw new io.jobfleet.common.error.ConfigException(
                    "Redis pool size " + redis.settings().poolSize()
                            + " is too small for a worker on " + config.queues().size()
                            + " queues: each queue's blocking wait holds a"
                            + " connection, and claims, acks and renewals need more; use at least " + needed);
        }
        this.config = config;
        this.metrics = new WorkerMetrics(new PrometheusRegistry());
        this.outage = new Outage(metrics);
        this.store = new Leases(redis, config.retention());
        this.registry = new WorkerRegistry(redis);
        this.slots = new Semaphore(config.concurrency());
        this.timers = Executors.newScheduledThreadPool(
                2, Thread.ofPlatform().daemon().name("jobfleet-timer-", 0).factory());
        this.leaseTimer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("jobfleet-lease").factory());
        Retry redisRetry = Retry.of(
                "redis",
                RetryConfig.custom()
                        .maxAttempts(40)
                        .intervalFunction(Backoff.INTERVALS)
                        .retryExceptions(RedisUnavailableException.class)
                        .build());
        this.processor = new Processor(config, store, handlers, redisRetry, timers, slots, metrics, outage);
        metrics.slots(() -> processor.running().size(), config.concurrency());
        metrics.breakers(processor.breakers());
        metrics.zero(config.queues().keySet());
        this.gauges =
                new QueueGauges(metrics.registry(), redis, () -> config.queues().keySet());
        this.layout = new Layout(Partitions.of(redis), config.queues().keySet());
        this.fetcher = new Fetcher(config, store, processor, slots, wake, outage, layout);
        this.leaseKeeper = new LeaseKeeper(config, store, processor, outage, metrics);
        this.maintenance = new Maintenance(config, store, new QueueStore(redis), layout, outage, metrics);
        this.waiters = new Waiters(store, wake, outage, layout, redis.settings().poolSize());
        this.heartbeat = new Heartbeat(config, registry, outage, this::busy);
    }

    /** How long stop() waits for a claim in flight: a socket timeout plus a retried server error. */
    private static final Duration FETCHER_JOIN = Duration.ofSeconds(10);
    /** How long stop() spends handing jobs back and recording the last successes once the grace is over. */
    private static final Duration HAND_BACK_BUDGET = Duration.ofSeconds(5);
    /** The pause between two slices of a housekeeping backlog. */
    private static final long BACKLOG_PAUSE_MS = 20;

    /** This worker's metrics; serve {@code metrics().registry()} on /metrics (jobfleet worker does, on --metrics-port). */
    public WorkerMetrics metrics() {
        return metrics;
    }

    public String id() {
        return config.id();
    }

    public WorkerConfig config() {
        return config;
    }

    /** Jobs this worker holds right now (running, or finished and waiting for their outcome to be recorded). */
    public int busy() {
        return processor.running().size();
    }

    /** Leases this worker found lost at renewal since it started. */
    public long leasesLost() {
        return leaseKeeper.leasesLost();
    }

    public void start() {
        if (!started.compareAndSet(false, true)) return;
        threads.add(Thread.ofPlatform().name("jobfleet-fetcher").start(guard("claim loop", fetcher)));
        threads.add(Thread.ofPlatform().name("jobfleet-acker").start(guard("ack loop", processor.acker())));
        waiters.sync();
        every(timers, Duration.ofSeconds(1), waiters::sync);
        every(leaseTimer, config.renewEvery(), leaseKeeper);
        every(leaseTimer, Duration.ofMillis(100), processor::checkTimeouts);
        repeat(config.promoteEvery(), maintenance::promote);
        repeat(config.reapEvery(), maintenance::reap);
        repeat(Duration.ofMinutes(1), maintenance::expireDead);
        every(timers, config.heartbeatEvery(), heartbeat);
        gauges.start();
        log.info(
                "worker {} started: queues {}, concurrency {}, lease {} ms",
                config.id(),
                config.queues(),
                config.concurrency(),
                config.lease().toMillis());
    }

    private void every(ScheduledExecutorService on, Duration interval, Runnable task) {
        on.scheduleWithFixedDelay(
                () -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        Backoff.logUnexpected("timer task", e);
                    } catch (Error e) {
                        fail("timer task", e);
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
    private void repeat(Duration interval, java.util.function.BooleanSupplier task) {
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            boolean more = false;
            try {
                more = task.getAsBoolean();
            } catch (RuntimeException e) {
                Backoff.logUnexpected("timer task", e);
            } catch (Error e) {
                fail("timer task", e);
                return;
            }
            try {
                timers.schedule(next[0], more ? BACKLOG_PAUSE_MS : interval.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
            }
        };
        timers.execute(next[0]);
    }

    /** A loop thread's body: an Error that ends it stops the whole worker, never silently one loop. */
    private Runnable guard(String loop, Runnable body) {
        return () -> {
            try {
                body.run();
            } catch (RuntimeException | Error e) {
                fail(loop, e);
            }
        };
    }

    /**
     * A loop died (an Error, such as OutOfMemoryError): a worker missing a loop would hold its
     * jobs for ever (leases renewed, never acked), so it stops at once without handing anything
     * back. Its leases run out and its jobs run again elsewhere; {@link #isFailed()} tells.
     */
    private void fail(String loop, Throwable e) {
        if (!failed.compareAndSet(false, true)) return;
        log.error(
                "worker {}: the {} died; stopping at once, its jobs return when their leases expire",
                config.id(),
                loop,
                e);
        stopped.set(true);
        fetcher.stop();
        processor.acker().stop(System.nanoTime());
        leaseTimer.shutdownNow();
        timers.shutdownNow();
        threads.forEach(Thread::interrupt);
        waiters.stop();
        terminated.countDown();
    }

    /** True when a loop died and the worker stopped itself (see {@link #fail}). */
    public boolean isFailed() {
        return failed.get();
    }

    /** Blocks until the worker has stopped, gracefully or because a loop died. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /**
     * Graceful shutdown: stop claiming, wait up to the shutdown grace for running jobs, then hand
     * the rest back to pending without spending their attempt. Safe to call more than once.
     */
    public void stop() {
        if (!started.get() || !stopped.compareAndSet(false, true)) return;
        log.info(
                "worker {} stopping: no new claims; waiting up to {} ms for {} running jobs",
                config.id(),
                config.shutdownGrace().toMillis(),
                busy());
        fetcher.stop();
        waiters.stop(); // each ends after its current block
        threads.forEach(Thread::interrupt); // wakes the fetcher
        // a claim in flight returns jobs: wait for it, so they are handed back below and never left unowned
        joinQuietly(threads.get(0), FETCHER_JOIN);
        if (!fetcher.isDone())
            log.warn("the claim loop did not end within {}; jobs it claims now go back by lease expiry", FETCHER_JOIN);
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (processor.started() > 0 && System.nanoTime() < deadline) {
            sleep(20);
        }
        int handedBack = handBackAll();
        processor.acker().stop(System.nanoTime() + HAND_BACK_BUDGET.toNanos());
        joinQuietly(threads.get(1), HAND_BACK_BUDGET.plusSeconds(1));
        leaseTimer.shutdownNow();
        timers.shutdownNow();
        awaitQuietly(timers); // a housekeeping slice under way ends before the caller closes the pool
        gauges.close();
        try {
            registry.remove(config.id());
        } catch (RedisUnavailableException e) {
            log.warn(
                    "could not remove worker {} from the registry: {} (it expires on its own)",
                    config.id(),
                    e.getMessage());
        }
        terminated.countDown();
        log.info("worker {} stopped ({} jobs handed back)", config.id(), handedBack);
    }

    /**
     * Hands every job still here back to pending, unspent, each tried once and all at once, within
     * {@link #HAND_BACK_BUDGET}: a Redis that does not answer must not hold the process for
     * minutes; what is not handed back by then returns when its lease expires.
     */
    private int handBackAll() {
        List<RunningJob> left = List.copyOf(processor.running());
        if (left.isEmpty()) return 0;
        java.util.concurrent.atomic.AtomicInteger handedBack = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> releases = new ArrayList<>(left.size());
        for (RunningJob run : left) {
            releases.add(Thread.ofVirtual().name("jobfleet-hand-back").start(() -> {
                if (processor.handBack(run, Duration.ZERO, "worker shutting down", false)) handedBack.incrementAndGet();
            }));
        }
        long until = System.nanoTime() + HAND_BACK_BUDGET.toNanos();
        for (Thread t : releases) joinQuietly(t, Duration.ofNanos(Math.max(1, until - System.nanoTime())));
        int pending = left.size() - handedBack.get();
        if (pending > 0 && outage.isDown())
            log.warn(
                    "{} jobs were not handed back (Redis unavailable); they return to pending when their leases expire",
                    pending);
        return handedBack.get();
    }

    @Override
    public void close() {
        stop();
    }

    /** Runs {@link #stop()} on SIGTERM / SIGINT. */
    public void stopOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "jobfleet-shutdown"));
    }

    private static void awaitQuietly(ScheduledExecutorService executor) {
        try {
            executor.awaitTermination(HAND_BACK_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinQuietly(Thread thread, Duration timeout) {
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
