package io.jobfleet.worker;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.retry.Retry;
import io.jobfleet.common.job.ReportStatus;
import io.jobfleet.common.redis.JobStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Records successes in batches: one thread takes every finished job waiting and acks them with
 * one script call per queue, so under load many acks share a round trip and a lone ack goes at
 * once. A job keeps its slot and its lease (renewed) until its ack is recorded.
 */
final class Acker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Acker.class);
    private static final int MAX_BATCH = 500;

    private record Done(RunningJob run, JsonNode result) {}

    private final JobStore store;
    private final Retry redisRetry;
    private final Consumer<RunningJob> onRecorded;
    private final WorkerMetrics metrics;
    private final BlockingQueue<Done> done = new LinkedBlockingQueue<>();
    private volatile boolean stopping;

    Acker(JobStore store, Retry redisRetry, Consumer<RunningJob> onRecorded, WorkerMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.redisRetry = redisRetry;
        this.onRecorded = onRecorded;
    }

    void submit(RunningJob run, JsonNode result) {
        done.add(new Done(run, result));
    }

    /** Finishes the acks already submitted, then the thread ends. */
    void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        List<Done> batch = new ArrayList<>();
        while (!stopping || !done.isEmpty()) {
            try {
                Done first = done.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                done.drainTo(batch, MAX_BATCH - 1);
                ackByQueue(batch);
            } catch (InterruptedException e) {
                if (stopping) break;
            } catch (RuntimeException e) {
                log.error(
                        "could not record {} successes; those jobs run again when their leases expire",
                        batch.size(),
                        e);
                batch.forEach(d -> onRecorded.accept(d.run()));
            } finally {
                batch.clear();
            }
        }
    }

    private void ackByQueue(List<Done> batch) {
        Map<String, List<Done>> byQueue = new LinkedHashMap<>();
        for (Done d : batch)
            byQueue.computeIfAbsent(d.run().job.queue(), q -> new ArrayList<>()).add(d);
        byQueue.forEach((queue, items) -> {
            List<JobStore.Ack> acks = new ArrayList<>(items.size());
            for (Done d : items)
                acks.add(new JobStore.Ack(d.run().job.id(), d.run().job.token(), d.result()));
            List<ReportStatus> statuses = redisRetry.executeSupplier(() -> store.ack(queue, acks));
            for (int i = 0; i < items.size(); i++) {
                RunningJob run = items.get(i).run();
                ReportStatus status = statuses.get(i);
                String outcome =
                        switch (status) {
                            case RECORDED, REPEATED -> "succeeded";
                            case CANCELLED -> "cancelled";
                            default -> "lost";
                        };
                metrics.completed
                        .labelValues(run.job.logicalQueue(), run.job.record().type(), outcome)
                        .inc();
                run.putLogContext();
                switch (status) {
                    case RECORDED, REPEATED ->
                        log.atInfo()
                                .addKeyValue("duration_ms", run.elapsedMs())
                                .log(
                                        "job {} ({}) succeeded in {} ms",
                                        run.job.id(),
                                        run.job.record().type(),
                                        run.elapsedMs());
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
                onRecorded.accept(run);
            }
        });
    }
}
