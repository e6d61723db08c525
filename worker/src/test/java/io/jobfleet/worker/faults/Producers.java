package io.jobfleet.worker.faults;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobId;
import io.jobfleet.common.job.NewJob;
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
    private final Path history;
    private final Duration every;
    private final Jobs jobs;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    /**
     * Chooses each job a producer enqueues. Given the producer's next key ({@code p<n>-<seq>}, unique
     * in the run), returns the job; its idempotency key (the given key, or another unique one such
     * as {@code poison-p1-7}, so a checker can tell kinds apart) must be set and match the payload's
     * {@code key}.
     */
    @FunctionalInterface
    interface Jobs {
        NewJob next(String key);
    }

    Producers(JobStore store, String queue, Path history, Duration every, LongSupplier jobMs) {
        this(store, history, every, key -> job(queue, key, payload(key, jobMs.getAsLong())));
    }

    /** Producers whose jobs (payloads, queue, timeouts, attempts, backoff) {@code jobs} chooses one by one. */
    Producers(JobStore store, Path history, Duration every, Jobs jobs) {
        this.store = store;
        this.history = history;
        this.every = every;
        this.jobs = jobs;
    }

    /** The payload of a plain "hist" job: its key and how long it runs. */
    static ObjectNode payload(String key, long ms) {
        return JsonNodeFactory.instance.objectNode().put("key", key).put("ms", ms);
    }

    /** A "hist" job with this payload, its idempotency key taken from the payload's key. */
    static NewJob job(String queue, String key, ObjectNode payload) {
        return NewJob.of(queue, FaultWorker.TYPE, payload.put("key", key)).withIdempotencyKey(key);
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
                enqueueUntilKnown(log, jobs.next("p" + producer + "-" + seq));
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
