package io.jobfleet.worker.faults;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobId;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.redis.JobStore;
import io.jobfleet.worker.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Steady enqueue load from threads of the test JVM, each with its own history file
 * ({@code producer-<n>.log}). Every attempt is written before the call ({@code T key id}); then
 * {@code A key id status} for an acknowledgement or {@code U key id} when the call threw and the
 * outcome is unknown. An unknown enqueue is tried again with the same idempotency key and a fresh
 * job id, so only the key may tie the two attempts together.
 */
final class Producers implements AutoCloseable {
    private final JobStore store;
    private final String queue;
    private final Path history;
    private final Duration every;
    private final LongSupplier jobMs;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    Producers(JobStore store, String queue, Path history, Duration every, LongSupplier jobMs) {
        this.store = store;
        this.queue = queue;
        this.history = history;
        this.every = every;
        this.jobMs = jobMs;
    }

    /** Job durations uniform in [0, maxMs], with {@code longShare} of them {@code longMs} instead. */
    static LongSupplier durations(long maxMs, double longShare, long longMs) {
        return () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            return random.nextDouble() < longShare ? longMs : random.nextLong(maxMs + 1);
        };
    }

    Producers start(int count) {
        for (int n = 1; n <= count; n++) {
            int producer = n;
            threads.add(Thread.ofPlatform().name("producer-" + n).start(() -> produce(producer)));
        }
        return this;
    }

    private void produce(int producer) {
        try (HistoryLog log = new HistoryLog(history.resolve("producer-" + producer + ".log"))) {
            for (long seq = 0; !stopping; seq++) {
                String key = "p" + producer + "-" + seq;
                var payload =
                        JsonNodeFactory.instance.objectNode().put("key", key).put("ms", jobMs.getAsLong());
                enqueueUntilKnown(
                        log, NewJob.of(queue, FaultWorker.TYPE, payload).withIdempotencyKey(key));
                Await.pause(every.toMillis());
            }
        }
    }

    /** Tries until acknowledged, for at most a minute; an outcome never learned stays unknown in the history. */
    private void enqueueUntilKnown(HistoryLog log, NewJob job) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            String id = JobId.next();
            log.append("T", job.idempotencyKey(), id);
            try {
                EnqueueResult result = store.enqueue(job.withId(id));
                log.append("A", job.idempotencyKey(), result.id(), result.status());
                return;
            } catch (RuntimeException e) {
                log.append("U", job.idempotencyKey(), id);
                if (System.nanoTime() > deadline) return;
                Await.pause(200);
            }
        }
    }

    /** Stops producing and waits for every producer to learn the outcome of its last enqueue. */
    @Override
    public void close() {
        stopping = true;
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(90));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
