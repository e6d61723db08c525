package io.jobfleet.worker;

import io.jobfleet.common.error.ConfigException;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.metrics.QueueGauges;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.LimitStore;
import io.jobfleet.common.internal.redis.Partitions;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.WorkerRegistry;
import io.jobfleet.common.job.Limit;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
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
    private final WorkerRegistry registry;
    private final WorkerMetrics metrics;
    private final Outage outage;
    private final QueueGauges gauges;
    private final Loops loops = new Loops(this::fail);

    private final Running running;
    private final Outcomes outcomes;
    private final Processor processor;
    private final Fetcher fetcher;
    private final LeaseKeeper leaseKeeper;
    private final Maintenance maintenance;
    private final Waiters waiters;
    private final Heartbeat heartbeat;
    private final Summary summary;
    /** Limits declared in code ({@link Builder#limit}), written at {@link #start()}. */
    private final List<Limit> limits;

    private final LimitStore limitStore;
    private volatile Thread fetcherThread;
    private volatile Thread ackerThread;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    /** The connection {@link Builder} opened for this worker, closed once it stops; null when the caller owns it. */
    private final Redis ownedRedis;

    private final AtomicBoolean redisClosed = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch terminated = new java.util.concurrent.CountDownLatch(1);

    /** A worker on a connection the caller owns (and closes after {@link #stop()}); see also {@link #builder()}. */
    public Worker(Redis redis, WorkerConfig config, Handlers handlers) {
        this(redis, config, handlers, false);
    }

    private Worker(Redis redis, WorkerConfig config, Handlers handlers, boolean ownsRedis) {
        this(redis, config, handlers, ownsRedis, List.of());
    }

    private Worker(Redis redis, WorkerConfig config, Handlers handlers, boolean ownsRedis, List<Limit> limits) {
        this.ownedRedis = ownsRedis ? redis : null;
        this.limits = List.copyOf(limits);
        this.limitStore = new LimitStore(redis);
        Waiters.checkPool(redis.settings().poolSize(), config);
        this.config = config;
        this.metrics = new WorkerMetrics(new PrometheusRegistry());
        this.outage = new Outage(metrics);
        Leases store = new Leases(redis, config.retention());
        this.registry = new WorkerRegistry(redis);
        Semaphore slots = new Semaphore(config.concurrency());
        Breakers breakers = new Breakers(config.breaker());
        WarmUp.run(handlers, breakers);
        this.running = new Running(slots);
        this.summary = new Summary(this::busy, config.concurrency());
        this.outcomes = new Outcomes(config, store, handlers, running, metrics, outage, summary);
        this.processor = new Processor(config, store, handlers, breakers, loops.timers, running, outcomes, metrics);
        metrics.slots(running::size, config.concurrency());
        metrics.breakers(breakers);
        metrics.zero(config.queues().keySet(), handlers.types());
        this.gauges =
                new QueueGauges(metrics.registry(), redis, () -> config.queues().keySet());
        Layout layout = new Layout(Partitions.of(redis), config.queues().keySet());
        Wake wake = new Wake();
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
    /** How often the INFO summary of finished jobs is logged (when any finished). */
    private static final Duration SUMMARY_EVERY = Duration.ofSeconds(10);

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
        return running.size();
    }

    /** Leases this worker found lost at renewal since it started. */
    public long leasesLost() {
        return leaseKeeper.leasesLost();
    }

    /**
     * Starts claiming. Limits declared in code ({@link Builder#limit}) are written first, each
     * replacing the limit its scope had: the code is the source of truth for what it declares.
     *
     * @throws io.jobfleet.common.error.RedisUnavailableException when declared limits cannot be
     *     written (the worker does not start without them)
     */
    public void start() {
        if (!started.compareAndSet(false, true)) return;
        for (Limit limit : limits) {
            limitStore.set(limit);
            log.info(
                    "worker {} set the limit declared in code on queue {}, {}: concurrency {}, rate {}",
                    config.id(),
                    limit.queue(),
                    limit.scope(),
                    limit.concurrency() == null ? "none" : limit.concurrency(),
                    limit.rate() == null ? "none" : limit.rateText());
        }
        fetcherThread = loops.thread("jobfleet-fetcher", "claim loop", fetcher);
        ackerThread = loops.thread("jobfleet-acker", "ack loop", outcomes.ackLoop());
        waiters.sync();
        loops.every(loops.timers, Duration.ofSeconds(1), waiters::sync);
        loops.every(loops.leaseTimer, config.renewEvery(), leaseKeeper);
        loops.every(loops.leaseTimer, Duration.ofMillis(100), processor::checkTimeouts);
        loops.repeat(config.promoteEvery(), maintenance::promote);
        loops.repeat(config.reapEvery(), maintenance::reap);
        loops.repeat(Duration.ofMinutes(1), maintenance::expireDead);
        loops.every(loops.timers, config.heartbeatEvery(), heartbeat);
        loops.every(loops.timers, SUMMARY_EVERY, summary);
        gauges.start();
        log.info(
                "worker {} started: queues {}, concurrency {}, lease {} ms",
                config.id(),
                config.queues(),
                config.concurrency(),
                config.lease().toMillis());
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
        outcomes.stopAcks(System.nanoTime());
        loops.shutdown(false, Duration.ZERO);
        fetcherThread.interrupt();
        ackerThread.interrupt();
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
        if (started.get() && stopped.compareAndSet(false, true)) shutDown();
        else if (started.get() && !failed.get()) return; // another caller is stopping it
        if (ownedRedis != null && redisClosed.compareAndSet(false, true)) ownedRedis.close();
    }

    private void shutDown() {
        log.info(
                "worker {} stopping: no new claims; waiting up to {} ms for {} running jobs",
                config.id(),
                config.shutdownGrace().toMillis(),
                busy());
        fetcher.stop();
        waiters.stop(); // each ends after its current block
        fetcherThread.interrupt(); // wakes the fetcher
        ackerThread.interrupt();
        // a claim in flight returns jobs: wait for it, so they are handed back below and never left unowned
        Loops.joinQuietly(fetcherThread, FETCHER_JOIN);
        if (!fetcher.isDone())
            log.warn("the claim loop did not end within {}; jobs it claims now go back by lease expiry", FETCHER_JOIN);
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (running.started() > 0 && System.nanoTime() < deadline) Loops.sleep(20);
        int handedBack = processor.handBackAll(HAND_BACK_BUDGET, outage::isDown);
        outcomes.stopAcks(System.nanoTime() + HAND_BACK_BUDGET.toNanos());
        Loops.joinQuietly(ackerThread, HAND_BACK_BUDGET.plusSeconds(1));
        loops.shutdown(true, HAND_BACK_BUDGET); // a housekeeping slice under way ends before the caller closes the pool
        summary.run(); // the jobs that ended since the last summary
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

    @Override
    public void close() {
        stop();
    }

    /** Runs {@link #stop()} on SIGTERM / SIGINT. */
    public void stopOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "jobfleet-shutdown"));
    }

    /** Starts a {@link Builder}: {@link WorkerConfig}'s defaults, no handlers yet. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a worker to embed in an application. Give it a Redis URL or {@link RedisSettings}
     * (the worker then owns its connection: opened by {@link #build()}, with a pool large enough
     * for its queues, and closed by {@link Worker#stop()}), or a {@link Redis} the caller owns.
     * Settings not named here go through {@link #config}; each starts from {@link WorkerConfig}'s default.
     */
    public static final class Builder {
        private final WorkerConfig.Builder config = WorkerConfig.builder();
        private final Handlers handlers = new Handlers();
        private final List<Limit> limits = new ArrayList<>();
        private RedisSettings settings;
        private Redis redis;

        /** Connects to this URL, e.g. {@code redis://localhost:6379} (see {@link RedisSettings#fromUrl}). */
        public Builder redis(String url) {
            return redis(RedisSettings.fromUrl(url));
        }

        public Builder redis(RedisSettings value) {
            settings = value;
            return this;
        }

        /** Uses a connection the caller owns (before a URL or settings): the worker leaves it open when it stops. */
        public Builder redis(Redis value) {
            redis = value;
            return this;
        }

        /** The queues to work, e.g. {@code "ingest"} or {@code "critical:6,default:2,low"} (weights). */
        public Builder queues(String spec) {
            config.queues(spec);
            return this;
        }

        public Builder concurrency(int value) {
            config.concurrency(value);
            return this;
        }

        public Builder handler(JobHandler handler) {
            handlers.add(handler);
            return this;
        }

        /**
         * A fleet-wide limit to set when the worker starts, replacing the one its scope has in
         * Redis (set at run time by the CLI or the API, for instance) until someone changes it
         * again. Several may be given; one per queue and scope is kept, the last.
         */
        public Builder limit(Limit limit) {
            limits.removeIf(l -> l.queue().equals(limit.queue()) && l.scope().equals(limit.scope()));
            limits.add(limit);
            return this;
        }

        /** Any other setting, e.g. {@code config(c -> c.lease(Duration.ofSeconds(30)))}. */
        public Builder config(Consumer<WorkerConfig.Builder> change) {
            change.accept(config);
            return this;
        }

        public Worker build() {
            WorkerConfig built = config.build();
            if (redis != null) return new Worker(redis, built, handlers, false, limits);
            if (settings == null) throw new ConfigException("worker builder: no Redis; call redis(url) first");
            Redis owned =
                    Redis.connect(settings.withPoolSize(Math.max(settings.poolSize(), Waiters.poolNeeded(built))));
            try {
                return new Worker(owned, built, handlers, true, limits);
            } catch (RuntimeException e) {
                owned.close();
                throw e;
            }
        }
    }
}
