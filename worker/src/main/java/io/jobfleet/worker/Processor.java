package io.jobfleet.worker;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.jobfleet.common.error.JobCancelledException;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.error.StaleLeaseException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.FailOutcome;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.RetryPolicy;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs claimed jobs, each on its own virtual thread, and records each outcome exactly once:
 * successes go to the {@link Acker} (batched), failures are recorded here with their backoff.
 * A job holds one of the worker's slots from claim until its outcome is recorded. A handler
 * that ignores an interrupt (timeout, cancellation, lost lease) is abandoned after the hung-job
 * grace: its outcome is recorded and its slot freed while its thread runs on, unheard.
 */
final class Processor {
    private static final Logger log = LoggerFactory.getLogger(Processor.class);
    /** The metric label of job types with no handler here. */
    static final String UNKNOWN_TYPE = "(unknown)";

    private final WorkerConfig config;
    private final Leases store;
    private final Handlers handlers;
    private final Breakers breakers;
    private final Retry redisRetry;
    private final ScheduledExecutorService timers;
    private final Semaphore slots;
    private final Acker acker;
    private final Map<String, RunningJob> running = new ConcurrentHashMap<>();
    private final WorkerMetrics metrics;

    Processor(
            WorkerConfig config,
            Leases store,
            Handlers handlers,
            Retry redisRetry,
            ScheduledExecutorService timers,
            Semaphore slots,
            WorkerMetrics metrics,
            Outage outage) {
        this.metrics = metrics;
        this.config = config;
        this.store = store;
        this.handlers = handlers;
        this.breakers = new Breakers(config.breaker());
        this.redisRetry = redisRetry;
        this.timers = timers;
        this.slots = slots;
        this.acker = new Acker(store, outage, this::finish, metrics);
    }

    Breakers breakers() {
        return breakers;
    }

    Acker acker() {
        return acker;
    }

    Collection<RunningJob> running() {
        return running.values();
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
        RunningJob old = running.put(job.id(), run);
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
        return running.values().stream().filter(r -> r.thread != null).count();
    }

    private void execute(RunningJob run) {
        ClaimedJob job = run.job;
        if (job.record().startedAt() > 0 && job.record().enqueuedAt() > 0) {
            metrics.wait
                    .labelValues(job.logicalQueue())
                    .observe(Math.max(0, job.record().startedAt() - job.record().enqueuedAt()) / 1000.0);
        }
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
            if (error == null) complete(run, result);
            else recordFailure(run, error);
        } catch (RuntimeException e) {
            // never leave the run here with its lease renewed for ever: record it as a failed attempt
            log.error("unexpected error running job {}; recording it as a failed attempt", job.id(), e);
            recordFailure(run, e);
        } finally {
            recordBreaker(run, null); // a permission nobody recorded (an unexpected error) is given back
            MDC.clear();
        }
    }

    /**
     * Tells the job type's breaker how this run went, once per run. A timeout is a failure (a
     * hanging downstream is the commonest reason for a breaker); a run stopped for a reason that
     * says nothing of the downstream (cancelled, lease lost, handed back) or a non-retryable error
     * gives its permission back, so a half-open breaker always gets the trial calls it waits for.
     */
    private void recordBreaker(RunningJob run, Throwable error) {
        CircuitBreaker breaker = run.breaker;
        if (breaker == null || !run.takeBreakerOutcome()) return;
        long elapsed = System.nanoTime() - run.startNanos;
        if (run.timedOut) {
            breaker.onError(elapsed, TimeUnit.NANOSECONDS, new JobTimeoutException(run.job.id(), run.timeoutMs));
        } else if (run.isStopped() || error instanceof NonRetryableException || error == null && run.isSettled()) {
            breaker.releasePermission();
        } else if (error == null) {
            breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
        } else {
            breaker.onError(elapsed, TimeUnit.NANOSECONDS, error);
        }
    }

    private void complete(RunningJob run, Object result) {
        if (!run.settle()) return;
        JsonNode node;
        // written and checked here, on the job's own thread: a result Redis should not hold, or that
        // could not be read back, fails this job alone (for good), never the ack batch it would join
        try {
            node = result == null ? null : Json.MAPPER.valueToTree(result);
            Json.checkValue("result", node, config.maxResultBytes());
        } catch (IllegalArgumentException e) {
            run.timedOut = false;
            recordFailureSettled(
                    run, new NonRetryableException("handler result cannot be recorded: " + e.getMessage()));
            return;
        }
        acker.submit(run, node);
    }

    private void recordFailure(RunningJob run, Throwable error) {
        if (run.settle()) recordFailureSettled(run, error);
    }

    private void recordFailureSettled(RunningJob run, Throwable error) {
        ClaimedJob job = run.job;
        try {
            RetryPolicy policy =
                    job.record().retryPolicy(config.policy(job.logicalQueue()).retry());
            boolean retryable = !(error instanceof NonRetryableException);
            long delay = retryable ? policy.delayMs(job.attempt()) : -1;
            String reason = retryable
                    ? "attempts exhausted (" + job.attempt() + " of " + policy.maxAttempts() + "): " + describe(error)
                    : "non-retryable: " + describe(error);
            AttemptError attemptError = AttemptError.of(job.attempt(), error, config.id());
            FailOutcome outcome = report(() -> store.fail(job, attemptError, delay, policy.maxAttempts(), reason));
            if (outcome.kind() != FailOutcome.Kind.REPEATED) outcome(job, outcome.dead() ? "dead" : "retried");
            if (outcome.dead()) {
                log.warn("job {} failed and is dead after attempt {}: {}", job.id(), job.attempt(), reason);
            } else if (outcome.kind() == FailOutcome.Kind.RETRY) {
                log.info(
                        "job {} failed attempt {} ({}); retry in {} ms",
                        job.id(),
                        job.attempt(),
                        describe(error),
                        delay);
            }
        } catch (StaleLeaseException e) {
            outcome(job, "lost");
            log.warn("job {} failed, but its lease was lost meanwhile: not recorded; its new owner decides", job.id());
        } catch (JobCancelledException e) {
            outcome(job, "cancelled");
            log.info("job {} stopped: it was cancelled while running", job.id());
        } catch (RuntimeException e) {
            log.error("could not record the failure of job {}; it runs again when its lease expires", job.id(), e);
        } finally {
            finish(run);
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
        try {
            Supplier<Void> release = () -> {
                store.release(run.job, delay);
                return null;
            };
            if (retry) report(release);
            else release.get();
            outcome(run.job, "handed_back");
            log.info("job {} handed back ({}), attempt not spent", run.job.id(), why);
            return true;
        } catch (StaleLeaseException | JobCancelledException e) {
            log.info("job {} was not handed back: {}", run.job.id(), e.getMessage());
        } catch (RedisUnavailableException e) {
            log.warn(
                    "could not hand back job {} ({}); it returns to pending when its lease expires",
                    run.job.id(),
                    e.getMessage());
        } catch (RuntimeException e) {
            log.error("could not hand back job {}; it returns to pending when its lease expires", run.job.id(), e);
        } finally {
            finish(run);
        }
        return false;
    }

    /** Asks a running job to stop: it was cancelled, or its lease was lost. Whatever it reports is then refused by Redis. */
    void stop(RunningJob run, String reason) {
        if (run.isSettled()) return;
        log.info("job {} must stop: {}", run.job.id(), reason);
        run.interrupt(reason);
        timers.schedule(() -> abandonIfHung(run, reason), config.hungJobGrace().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs every 100 ms: interrupts the jobs past their timeout. One sweep, instead of a timer task per job. */
    void checkTimeouts() {
        long now = System.nanoTime();
        for (RunningJob run : running.values()) {
            if (now > run.deadlineNanos && !run.timedOut && !run.isSettled()) timeOut(run, run.timeoutMs);
        }
    }

    private void timeOut(RunningJob run, long timeoutMs) {
        run.timedOut = true;
        run.interrupt("timeout after " + timeoutMs + " ms");
        timers.schedule(
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
        outcome(run.job, reason.equals("cancelled") ? "cancelled" : "lost");
        finish(run);
    }

    /** Gives up a job this worker no longer owns (cancelled or its lease lost before it ran): frees its slot. */
    void abandon(RunningJob run) {
        if (!run.settle()) return;
        outcome(run.job, "cancelled".equals(run.ctx.stopReason()) ? "cancelled" : "lost");
        finish(run);
    }

    /** The job's outcome is recorded (or given up): free its slot. */
    void finish(RunningJob run) {
        running.remove(run.job.id(), run); // false when a newer run of the same job replaced it
        if (run.freeSlot()) slots.release();
    }

    /** Runs a report to Redis, retrying while Redis is unavailable (bounded; then the lease expires and the job runs again). */
    private <T> T report(Supplier<T> call) {
        return redisRetry.executeSupplier(call);
    }

    private void outcome(ClaimedJob job, String outcome) {
        // types this worker has no handler for share one label: a submitter cannot mint series at will
        String type = handlers.get(job.record().type()) == null
                ? UNKNOWN_TYPE
                : job.record().type();
        metrics.completed.labelValues(job.logicalQueue(), type, outcome).inc();
    }

    private static String describe(Throwable error) {
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }
}
