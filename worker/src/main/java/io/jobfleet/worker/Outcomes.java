package io.jobfleet.worker;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.jobfleet.common.error.JobCancelledException;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.error.StaleLeaseException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.FailOutcome;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.job.ReportStatus;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.RetryPolicy;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Records each job's outcome, once, after the caller has settled the run: a success goes to the
 * {@link Acker} (batched per partition), a failure is recorded here with its backoff, a job handed
 * back is released unspent. Each outcome counts once in {@code jobfleet_jobs_completed_total},
 * is logged once, and frees the job's slot. Reports retry while Redis is unavailable (bounded);
 * what is still not recorded then comes back when its lease expires.
 */
final class Outcomes {
    private static final Logger log = LoggerFactory.getLogger(Outcomes.class);
    /** One line per success, off unless this logger is enabled (JOBFLEET_LOG_SUCCESS=INFO); {@link Summary} counts them. */
    private static final Logger successLog = LoggerFactory.getLogger("io.jobfleet.worker.succeeded");
    /** The metric label of job types with no handler here. */
    static final String UNKNOWN_TYPE = "(unknown)";

    private final WorkerConfig config;
    private final Leases store;
    private final Handlers handlers;
    private final Retry redisRetry;
    private final Running running;
    private final WorkerMetrics metrics;
    private final Acker acker;
    private final Summary summary;

    Outcomes(
            WorkerConfig config,
            Leases store,
            Handlers handlers,
            Running running,
            WorkerMetrics metrics,
            Outage outage,
            Summary summary) {
        this.config = config;
        this.summary = summary;
        this.store = store;
        this.handlers = handlers;
        this.redisRetry = Retry.of(
                "redis",
                RetryConfig.custom()
                        .maxAttempts(40)
                        .intervalFunction(Backoff.INTERVALS)
                        .retryExceptions(RedisUnavailableException.class)
                        .build());
        this.running = running;
        this.metrics = metrics;
        this.acker = new Acker(store, outage, this::acked, running::finish);
    }

    /** The body of the ack thread: records successes in batches until {@link #stopAcks}. */
    Runnable ackLoop() {
        return acker;
    }

    /** Finishes the acks already submitted; those still failing at {@code deadlineNanos} are given up. */
    void stopAcks(long deadlineNanos) {
        acker.stop(deadlineNanos);
    }

    /** The handler returned {@code result}: queued for the next ack batch of its partition. */
    void succeeded(RunningJob run, Object result) {
        String json;
        // written and checked here, on the job's own thread: a result Redis should not hold, or that
        // could not be read back, fails this job alone (for good), never the ack batch it would join
        try {
            JsonNode node = result == null ? null : Json.MAPPER.valueToTree(result);
            json = Json.writeChecked("result", node, config.maxResultBytes());
        } catch (IllegalArgumentException e) {
            run.timedOut = false;
            failed(run, new NonRetryableException("handler result cannot be recorded: " + e.getMessage()));
            return;
        }
        acker.submit(run, json);
    }

    /** Records a failed attempt: retried after its backoff, or dead. */
    void failed(RunningJob run, Throwable error) {
        failed(run, error, null);
    }

    /** As {@link #failed(RunningJob, Throwable)}; a non-null {@code deadReason} replaces the one made from the error. */
    private void failed(RunningJob run, Throwable error, String deadReason) {
        ClaimedJob job = run.job;
        try {
            RetryPolicy policy =
                    job.record().retryPolicy(config.policy(job.logicalQueue()).retry());
            boolean retryable = !(error instanceof NonRetryableException);
            long delay = retryable ? policy.delayMs(job.attempt()) : -1;
            String reason = deadReason != null
                    ? deadReason
                    : retryable
                            ? "attempts exhausted (" + job.attempt() + " of " + policy.maxAttempts() + "): "
                                    + describe(error)
                            : "non-retryable: " + describe(error);
            AttemptError attemptError = AttemptError.of(job.attempt(), error, config.id());
            FailOutcome outcome = report(() -> store.fail(job, attemptError, delay, policy.maxAttempts(), reason));
            if (outcome.kind() != FailOutcome.Kind.REPEATED) count(job, outcome.dead() ? "dead" : "retried");
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
            count(job, "lost");
            log.warn("job {} failed, but its lease was lost meanwhile: not recorded; its new owner decides", job.id());
        } catch (JobCancelledException e) {
            count(job, "cancelled");
            log.info("job {} stopped: it was cancelled while running", job.id());
        } catch (RuntimeException e) {
            log.error("could not record the failure of job {}; it runs again when its lease expires", job.id(), e);
        } finally {
            running.finish(run);
        }
    }

    /**
     * The handler snoozed: the job waits {@code delay} and runs again without spending an attempt
     * (not a retry: no backoff, not in the completed counter). At the worker's snooze cap it is
     * dead instead, through the failure path, with the reason "snoozed N times (the cap)".
     */
    void snoozed(RunningJob run, Duration delay) {
        ClaimedJob job = run.job;
        boolean kept;
        try {
            kept = report(() -> store.snooze(job, delay, config.maxSnoozes()));
        } catch (StaleLeaseException e) {
            abandoned(run, "lost");
            log.warn("job {} snoozed, but its lease was lost meanwhile: not recorded; its new owner decides", job.id());
            return;
        } catch (JobCancelledException e) {
            abandoned(run, "cancelled");
            log.info("job {} stopped: it was cancelled while running", job.id());
            return;
        } catch (RuntimeException e) {
            running.finish(run);
            log.error("could not record the snooze of job {}; it runs again when its lease expires", job.id(), e);
            return;
        }
        if (kept) {
            metrics.snoozed.labelValues(job.logicalQueue(), typeLabel(job)).inc();
            log.debug("job {} snoozed for {} ms, attempt {} not spent", job.id(), delay.toMillis(), job.attempt());
            running.finish(run);
            return;
        }
        String reason = "snoozed " + config.maxSnoozes() + " times (the cap)";
        failed(run, new NonRetryableException(reason), reason);
    }

    /**
     * Puts a job back to pending after {@code delay} without spending its attempt; tried once when
     * {@code retry} is false (at shutdown, where a Redis that does not answer must not hold the
     * process: the job's lease brings it back instead). True when it was handed back.
     */
    boolean released(RunningJob run, Duration delay, String why, boolean retry) {
        try {
            Supplier<Void> release = () -> {
                store.release(run.job, delay);
                return null;
            };
            if (retry) report(release);
            else release.get();
            count(run.job, "handed_back");
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
            running.finish(run);
        }
        return false;
    }

    /** A job this worker no longer owns (cancelled, or its lease lost) is given up: nothing to report. */
    void abandoned(RunningJob run, String outcome) {
        count(run.job, outcome);
        running.finish(run);
    }

    /** What Redis said to the ack of a success (called by the {@link Acker}). */
    private void acked(RunningJob run, ReportStatus status) {
        count(
                run.job,
                switch (status) {
                    case RECORDED, REPEATED -> "succeeded";
                    case CANCELLED -> "cancelled";
                    default -> "lost";
                });
        if (status == ReportStatus.RECORDED || status == ReportStatus.REPEATED) {
            if (successLog.isInfoEnabled()) {
                run.putLogContext();
                successLog
                        .atInfo()
                        .addKeyValue("duration_ms", run.elapsedMs())
                        .log(
                                "job {} ({}) succeeded in {} ms",
                                run.job.id(),
                                run.job.record().type(),
                                run.elapsedMs());
                MDC.clear();
            }
            running.finish(run);
            return;
        }
        run.putLogContext();
        switch (status) {
            case CANCELLED ->
                log.info("job {} finished, but it was cancelled while running: stays CANCELLED", run.job.id());
            case STALE ->
                log.warn(
                        "job {} finished, but its lease was lost meanwhile: success not recorded;"
                                + " it runs again elsewhere",
                        run.job.id());
            default -> log.warn("job {} finished, but Redis refused the ack: {}", run.job.id(), status);
        }
        MDC.clear();
        running.finish(run);
    }

    /** Runs a report to Redis, retrying while Redis is unavailable (bounded; then the lease expires and the job runs again). */
    private <T> T report(Supplier<T> call) {
        return redisRetry.executeSupplier(call);
    }

    private void count(ClaimedJob job, String outcome) {
        metrics.completed
                .labelValues(job.logicalQueue(), typeLabel(job), outcome)
                .inc();
        summary.count(outcome);
    }

    private String typeLabel(ClaimedJob job) {
        // types this worker has no handler for share one label: a submitter cannot mint series at will
        return handlers.get(job.record().type()) == null
                ? UNKNOWN_TYPE
                : job.record().type();
    }

    private static String describe(Throwable error) {
        return error.getClass().getSimpleName() + ": " + error.getMessage();
    }
}
