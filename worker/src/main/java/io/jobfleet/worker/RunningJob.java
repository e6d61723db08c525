package io.jobfleet.worker;

import io.jobfleet.common.internal.job.ClaimedJob;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.MDC;

/**
 * One claimed job on this worker, from claim until its outcome is recorded. Several paths may
 * try to settle it (the handler returning, a hung handler being abandoned, shutdown handing it
 * back); {@link #settle()} lets exactly one of them record the outcome.
 */
final class RunningJob {
    final ClaimedJob job;
    final JobContext ctx;
    final long startNanos = System.nanoTime();
    volatile Thread thread;
    volatile long deadlineNanos = Long.MAX_VALUE;
    volatile long timeoutMs;
    volatile boolean timedOut;
    /** The type's circuit breaker when this run took a permission from it. */
    volatile io.github.resilience4j.circuitbreaker.CircuitBreaker breaker;

    private final AtomicBoolean settled = new AtomicBoolean();
    private final AtomicBoolean slotFreed = new AtomicBoolean();
    private final AtomicBoolean breakerDone = new AtomicBoolean();

    RunningJob(ClaimedJob job, JobContext ctx) {
        this.job = job;
        this.ctx = ctx;
    }

    /** True for the one caller that gets to record this job's outcome. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }

    /** True once: the run's slot is given back exactly once. */
    boolean freeSlot() {
        return slotFreed.compareAndSet(false, true);
    }

    boolean isSettled() {
        return settled.get();
    }

    /** True once something asked it to stop: cancelled, lease lost, timed out or handed back. */
    boolean isStopped() {
        return ctx.stopReason() != null;
    }

    /** True once: the run's circuit-breaker permission is recorded or released exactly once. */
    boolean takeBreakerOutcome() {
        return breakerDone.compareAndSet(false, true);
    }

    void interrupt(String reason) {
        ctx.stop(reason);
        Thread t = thread;
        // never the caller's own thread: a breaker hand-back runs on the job's thread and then reports
        // to Redis, and socket I/O on an interrupted virtual thread fails ("Closed by interrupt")
        if (t != null && t != Thread.currentThread()) t.interrupt();
    }

    /** Puts this job's ids in the logging context of the current thread (cleared by the caller). */
    void putLogContext() {
        MDC.put("jobId", job.id());
        MDC.put("queue", job.queue()); // the partition (q~k) of a partitioned queue
        MDC.put("attempt", Integer.toString(job.attempt()));
        if (job.record().requestId() != null) MDC.put("requestId", job.record().requestId());
        String traceparent = job.record().traceparent();
        if (traceparent != null && traceparent.length() >= 35) MDC.put("traceId", traceparent.substring(3, 35));
    }

    long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
