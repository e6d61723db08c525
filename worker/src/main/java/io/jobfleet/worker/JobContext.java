package io.jobfleet.worker;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.error.JobCancelledException;
import io.jobfleet.common.error.RedisUnavailableException;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.internal.job.Json;
import io.jobfleet.common.internal.redis.Leases;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a handler knows about the job it runs, and how it reports back. One per attempt. */
public final class JobContext {
    private static final Logger log = LoggerFactory.getLogger(JobContext.class);
    /** How long a progress report is retried while Redis is unavailable before it is dropped. */
    static final long PROGRESS_RETRY_MS = 1_000;

    private final ClaimedJob job;
    private final Leases store;
    private final int maxReportBytes;
    private volatile String stopReason;

    JobContext(ClaimedJob job, Leases store, int maxReportBytes) {
        this.job = job;
        this.store = store;
        this.maxReportBytes = maxReportBytes;
    }

    public String id() {
        return job.id();
    }

    /** The queue the job was enqueued to (for a partitioned queue, not the partition). */
    public String queue() {
        return job.logicalQueue();
    }

    public String type() {
        return job.record().type();
    }

    /** 1 on the first run, 2 on the first retry, and so on. */
    public int attempt() {
        return job.attempt();
    }

    public JsonNode payload() {
        return job.record().payload();
    }

    public <T> T payload(Class<T> type) {
        return Json.MAPPER.convertValue(job.record().payload(), type);
    }

    /** The request id of the API call that enqueued the job, if any. */
    public String requestId() {
        return job.record().requestId();
    }

    /**
     * True once the job should stop: it was cancelled, its lease was lost (another worker may run
     * it), it ran past its timeout, or the worker is shutting down and hands it back. Whatever the
     * handler reports after that is not recorded as success.
     */
    public boolean isCancelled() {
        return stopReason != null;
    }

    /** Throws {@link JobCancelledException} if {@link #isCancelled()}; call it between units of work. */
    public void checkCancelled() {
        if (stopReason != null) throw new JobCancelledException(job.id());
    }

    /** Why the job was told to stop, or null. */
    public String stopReason() {
        return stopReason;
    }

    /**
     * Records progress (any JSON-serialisable value), visible in the job record. Best effort: while
     * Redis is unavailable the report is retried for about a second, then logged and dropped, and
     * this returns normally (a blip must not cost the job an attempt). A value past the worker's
     * result size limit or {@link Json}'s limits throws {@link IllegalArgumentException} naming the limit.
     */
    public void progress(Object progress) {
        JsonNode node = Json.MAPPER.valueToTree(progress);
        Json.checkValue("progress", node, maxReportBytes);
        long deadline = System.nanoTime() + PROGRESS_RETRY_MS * 1_000_000;
        for (long pause = 50; ; pause *= 2) {
            try {
                store.progress(job, node);
                return;
            } catch (RedisUnavailableException e) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0 || !sleep(Math.min(pause, left))) {
                    log.warn("progress of job {} not recorded, Redis is unavailable: {}", job.id(), e.getMessage());
                    return;
                }
            }
        }
    }

    /** False when interrupted (the job must stop): the interrupt is kept for the handler to see. */
    private static boolean sleep(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs {@code body} once per job, across retries: if an earlier attempt finished step
     * {@code stepId}, its recorded result is returned and {@code body} is skipped. The result is
     * recorded in Redis (fenced by this attempt's lease) before it is returned. Unlike progress,
     * a step is never dropped: if Redis is unavailable this throws, and the attempt fails.
     */
    public <T> T step(String stepId, Class<T> resultType, Callable<T> body) throws Exception {
        Optional<String> done = store.step(job, stepId);
        if (done.isPresent()) return Json.read(done.get(), resultType);
        T result = body.call();
        // what a later attempt could not read back is refused now, naming the limit
        JsonNode tree = Json.MAPPER.valueToTree(result);
        Json.checkValue("step result", tree, maxReportBytes);
        if (!store.recordStep(job, stepId, Json.write(tree))) {
            throw new JobCancelledException(job.id());
        }
        return result;
    }

    /**
     * "Not now, again in {@code delay}": throws {@link SnoozeException}, so the handler ends here.
     * The job waits {@code delay} and runs again with the same attempt number; it is not a failure.
     * Declared to return so that {@code return ctx.snooze(delay);} reads as the handler's last
     * word; it never returns. Do not catch the exception in the handler.
     */
    @SuppressWarnings("DoNotCallSuggester") // throwing is its job: the snooze ends the handler
    public Object snooze(Duration delay) {
        throw new SnoozeException(delay);
    }

    void stop(String reason) {
        if (stopReason == null) stopReason = reason;
    }
}
