package io.jobfleet.worker;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.error.JobCancelledException;
import io.jobfleet.common.job.ClaimedJob;
import io.jobfleet.common.job.Json;
import io.jobfleet.common.redis.JobStore;
import java.util.Optional;
import java.util.concurrent.Callable;

/** What a handler knows about the job it runs, and how it reports back. One per attempt. */
public final class JobContext {
    private final ClaimedJob job;
    private final JobStore store;
    private volatile String stopReason;

    JobContext(ClaimedJob job, JobStore store) {
        this.job = job;
        this.store = store;
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

    /** Records progress (any JSON-serialisable value), visible in the job record. */
    public void progress(Object progress) {
        store.progress(job, Json.MAPPER.valueToTree(progress));
    }

    /**
     * Runs {@code body} once per job, across retries: if an earlier attempt finished step
     * {@code stepId}, its recorded result is returned and {@code body} is skipped. The result is
     * recorded in Redis (fenced by this attempt's lease) before it is returned.
     */
    public <T> T step(String stepId, Class<T> resultType, Callable<T> body) throws Exception {
        Optional<String> done = store.step(job, stepId);
        if (done.isPresent()) return Json.read(done.get(), resultType);
        T result = body.call();
        if (!store.recordStep(job, stepId, Json.write(result))) {
            throw new JobCancelledException(job.id());
        }
        return result;
    }

    void stop(String reason) {
        if (stopReason == null) stopReason = reason;
    }
}
