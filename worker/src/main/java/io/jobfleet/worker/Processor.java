package io.jobfleet.worker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.redis.Leases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs claimed jobs, each on its own virtual thread, and settles each run exactly once (see
 * {@link RunningJob#settle}); {@link Outcomes} then records what the run came to. A job holds one
 * of the worker's slots from claim until its outcome is recorded. A handler that ignores an
 * interrupt (timeout, cancellation, lost lease) is abandoned after the hung-job grace: its
 * outcome is recorded and its slot freed while its thread runs on, unheard.
 */
final class Processor {
    private static final Logger log = LoggerFactory.getLogger(Processor.class);
    private final WorkerConfig config;
    private final Leases store;
    private final Handlers handlers;
    private final Breakers breakers;
    private final ScheduledExecutorService timers;
    private final Running running;
    private final Outcomes outcomes;
    private final WorkerMetrics metrics;

    Processor(
            WorkerConfig config,
            Leases store,
            Handlers handlers,
            Breakers breakers,
            ScheduledExecutorService timers,
            Running running,
            Outcomes outcomes,
            WorkerMetrics metrics) {
        this.config = config;
        this.store = store;
        this.handlers = handlers;
        this.breakers = breakers;
        this.timers = timers;
        this.running = running;
        this.outcomes = outcomes;
        this.metrics = metrics;
    }

    Collection<RunningJob> running() {
        return running.all();
    }

    RunningJob get(String id) {
        return running.get(id);
    }

    /** Starts a claimed job; the caller has taken a slot for it. */
    void start(ClaimedJob job) {
        launch(hold(job));
    }

    /**
     * Takes a claimed job into this worker without starting it: its lease is renewed and it holds
     * a slot, but no thread runs it until {@link #launch}. Used to run a suspect job alone.
     */
    RunningJob hold(ClaimedJob job) {
        RunningJob run = new RunningJob(job, new JobContext(job, store, config.maxResultBytes()));
        RunningJob old = running.put(run);
        // claimed again while an earlier run of it is still here: that run's lease was lost
        if (old != null) stop(old, "lease lost (claimed again)");
        return run;
    }

    void launch(RunningJob run) {
        Thread thread = Thread.ofVirtual().name("job-" + run.job.id()).unstarted(() -> execute(run));
        run.thread = thread;
        thread.start();
    }

    /** Jobs that have a thread (started), as opposed to held ones. */
    long started() {
        return running.started();
    }

    private void execute(RunningJob run) {
        ClaimedJob job = run.job;
        observeWait(job);
        run.putLogContext();
        try {
            JobHandler handler = handlers.get(job.record().type());
            if (handler == null) {
                recordFailure(
                        run,
                        new NonRetryableException(
                                "no handler for job type '" + job.record().type() + "' on worker " + config.id()
                                        + " (it handles " + handlers.types() + ")"));
                return;
            }
            CircuitBreaker breaker = breakers.forType(job.record().type());
            if (breaker != null && !breaker.tryAcquirePermission()) {
                handBack(
                        run,
                        breakers.handBackDelay(),
                        "circuit breaker for type '" + job.record().type() + "' is open");
                return;
            }
            run.breaker = breaker;
            runHandler(run, handler);
        } catch (RuntimeException e) {
            // never leave the run here with its lease renewed for ever: record it as a failed attempt
            log.error("unexpected error running job {}; recording it as a failed attempt", job.id(), e);
            recordFailure(run, e);
        } finally {
            recordBreaker(run, null); // a permission nobody recorded (an unexpected error) is given back
            MDC.clear();
        }
    }

    private void observeWait(ClaimedJob job) {
        if (job.record().startedAt() > 0 && job.record().enqueuedAt() > 0) {
            metrics.wait
                    .labelValues(job.logicalQueue())
                    .observe(Math.max(0, job.record().startedAt() - job.record().enqueuedAt()) / 1000.0);
        }
    }

    /** Runs the handler under the job's timeout, then records what it came to. */
    private void runHandler(RunningJob run, JobHandler handler) {
        ClaimedJob job = run.job;
        long timeoutMs = job.record().timeoutMs() > 0
                ? job.record().timeoutMs()
                : config.policy(job.logicalQueue()).timeout().toMillis();
        run.timeoutMs = timeoutMs;
        run.deadlineNanos = System.nanoTime() + timeoutMs * 1_000_000; // checked by checkTimeouts()
        Object result = null;
        Throwable error = null;
        long started = System.nanoTime();
        try {
            result = handler.handle(run.ctx);
        } catch (Throwable t) {
            error = t;
        }
        run.deadlineNanos = Long.MAX_VALUE;
        metrics.duration
                .labelValues(job.logicalQueue(), job.record().type())
                .observe((System.nanoTime() - started) / 1e9);
        Thread.interrupted(); // an interrupt meant for the handler must not hit the recording below
        if (run.timedOut) error = new JobTimeoutException(job.id(), timeoutMs);
        recordBreaker(run, error);
        if (error == null) {
            if (run.settle()) outcomes.succeeded(run, result);
        } else if (error instanceof SnoozeException snooze) {
            if (run.settle()) outcomes.snoozed(run, snooze.delay());
        } else {
            recordFailure(run, error);
        }
    }

    /**
     * Tells the job type's breaker how this run went, once per run. A timeout is a failure (a
     * hanging downstream is the commonest reason for a breaker); a run stopped for a reason that
     * says nothing of the downstream (cancelled, lease lost, handed back), a non-retryable error or
     * a snooze gives its permission back, so a half-open breaker always gets the trial calls it waits for.
     */
    private void recordBreaker(RunningJob run, Throwable error) {
        CircuitBreaker breaker = run.breaker;
        if (breaker == null || !run.takeBreakerOutcome()) return;
        long elapsed = System.nanoTime() - run.startNanos;
        if (run.timedOut) {
            breaker.onError(elapsed, TimeUnit.NANOSECONDS, new JobTimeoutException(run.job.id(), run.timeoutMs));
        } else if (run.isStopped()
                || error instanceof NonRetryableException
                || error instanceof SnoozeException
                || (error == null && run.isSettled())) {
            breaker.releasePermission();
        } else if (error == null) {
            breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
        } else {
            breaker.onError(elapsed, TimeUnit.NANOSECONDS, error);
        }
    }

    /** Puts a job back without spending its attempt: while its type's breaker is open, or a suspect. */
    boolean handBack(RunningJob run, Duration delay, String why) {
        return handBack(run, delay, why, true);
    }

    /**
     * The same, tried once when {@code retry} is false: at shutdown, where a Redis that does not
     * answer must not hold the process (the job's lease brings it back instead).
     */
    boolean handBack(RunningJob run, Duration delay, String why, boolean retry) {
        if (!run.settle()) return false;
        run.interrupt("handed back: " + why);
        recordBreaker(run, null);
        return outcomes.released(run, delay, why, retry);
    }

    /** Asks a running job to stop: it was cancelled, or its lease was lost. Whatever it reports is then refused by Redis. */
    void stop(RunningJob run, String reason) {
        if (run.isSettled()) return;
        log.info("job {} must stop: {}", run.job.id(), reason);
        run.interrupt(reason);
        var unused = timers.schedule(
                () -> abandonIfHung(run, reason), config.hungJobGrace().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs every 100 ms: interrupts the jobs past their timeout. One sweep, instead of a timer task per job. */
    void checkTimeouts() {
        long now = System.nanoTime();
        for (RunningJob run : running.all()) {
            if (now > run.deadlineNanos && !run.timedOut && !run.isSettled()) timeOut(run, run.timeoutMs);
        }
    }

    private void timeOut(RunningJob run, long timeoutMs) {
        run.timedOut = true;
        run.interrupt("timeout after " + timeoutMs + " ms");
        var unused = timers.schedule(
                () -> {
                    if (run.isSettled()) return;
                    log.error(
                            "job {} ignored the interrupt at its timeout; recording the failure and abandoning its thread",
                            run.job.id());
                    recordBreaker(run, null);
                    Thread.ofVirtual()
                            .start(() -> recordFailure(run, new JobTimeoutException(run.job.id(), timeoutMs)));
                },
                config.hungJobGrace().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void abandonIfHung(RunningJob run, String reason) {
        if (!run.settle()) return;
        recordBreaker(run, null);
        log.error(
                "job {} ignored the interrupt ({}) for {} ms; abandoning its thread and freeing its slot",
                run.job.id(),
                reason,
                config.hungJobGrace().toMillis());
        outcomes.abandoned(run, reason.equals("cancelled") ? "cancelled" : "lost");
    }

    /** Gives up a job this worker no longer owns (cancelled or its lease lost before it ran): frees its slot. */
    void abandon(RunningJob run) {
        if (!run.settle()) return;
        outcomes.abandoned(run, "cancelled".equals(run.ctx.stopReason()) ? "cancelled" : "lost");
    }

    /**
     * Hands every job still here back to pending, unspent, each tried once and all at once, within
     * {@code budget}: a Redis that does not answer must not hold the process for minutes; what is
     * not handed back by then returns when its lease expires. Returns how many were handed back.
     */
    int handBackAll(Duration budget, BooleanSupplier redisDown) {
        List<RunningJob> left = List.copyOf(running.all());
        if (left.isEmpty()) return 0;
        AtomicInteger handedBack = new AtomicInteger();
        List<Thread> releases = new ArrayList<>(left.size());
        for (RunningJob run : left) {
            releases.add(Thread.ofVirtual().name("jobfleet-hand-back").start(() -> {
                if (handBack(run, Duration.ZERO, "worker shutting down", false)) handedBack.incrementAndGet();
            }));
        }
        long until = System.nanoTime() + budget.toNanos();
        for (Thread t : releases) Loops.joinQuietly(t, Duration.ofNanos(Math.max(1, until - System.nanoTime())));
        int pending = left.size() - handedBack.get();
        if (pending > 0 && redisDown.getAsBoolean())
            log.warn(
                    "{} jobs were not handed back (Redis unavailable); they return to pending when their leases expire",
                    pending);
        return handedBack.get();
    }

    private void recordFailure(RunningJob run, Throwable error) {
        if (run.settle()) outcomes.failed(run, error);
    }
}
