package io.jobfleet.client;

import io.jobfleet.common.error.JobNotFoundException;
import io.jobfleet.common.internal.redis.EventStore;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.job.EnqueueResult;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * One object for a Java application that enqueues, watches and administers jobs in Redis. It owns
 * a Redis connection pool and the stores over it; every method is one store call (or a few), so it
 * behaves exactly as the API and the CLI do. Thread-safe: make one per application and close it
 * at shutdown.
 *
 * <p>Every method may throw {@link io.jobfleet.common.error.RedisUnavailableException} when Redis
 * cannot be reached or is failing over (worth retrying: every operation is safe to repeat, an
 * enqueue with an idempotency key or a job id included) and {@link
 * io.jobfleet.common.error.RedisCommandException} when Redis refuses a command.
 */
public final class JobfleetClient implements AutoCloseable {
    /** How often {@link #awaitOutcome} reads the job's event stream: the cadence of the API's event streams. */
    static final Duration EVENT_POLL = Duration.ofMillis(200);
    /** How often {@link #awaitOutcome} also reads the record itself, should events have been trimmed or expired. */
    static final Duration RECORD_CHECK = Duration.ofSeconds(5);

    private static final Set<JobState> OUTCOMES =
            EnumSet.of(JobState.SUCCEEDED, JobState.CANCELLED, JobState.DEAD, JobState.EXPIRED);

    private final Redis redis;
    private final JobStore jobs;
    private final QueueStore queues;
    private final EventStore events;
    private final DeadLetterQueue deadLetters;

    private JobfleetClient(Redis redis, Retention retention) {
        this.redis = redis;
        this.jobs = new JobStore(redis, retention);
        this.queues = new QueueStore(redis);
        this.events = new EventStore(redis);
        this.deadLetters = new DeadLetterQueue(redis, queues, jobs);
    }

    /**
     * Connects to the Redis at {@code redisUrl} ({@code redis://[user:password@]host[:port][/db]},
     * {@code rediss://} for TLS, or a Sentinel or Cluster URL as docs/configuration.md describes)
     * with the default retention.
     *
     * @throws io.jobfleet.common.error.ConfigException when the URL is malformed, or the server is
     *     older than Redis 6.2 or may evict keys (its maxmemory-policy is not noeviction)
     * @throws io.jobfleet.common.error.RedisUnavailableException when Redis does not answer
     */
    public static JobfleetClient connect(String redisUrl) {
        return connect(RedisSettings.fromUrl(redisUrl));
    }

    /** Connects with these settings and the default retention; throws as {@link #connect(String)}. */
    public static JobfleetClient connect(RedisSettings settings) {
        return connect(settings, Retention.DEFAULT);
    }

    /**
     * Connects with these settings; {@code retention} sets how long the jobs this client enqueues
     * keep their idempotency keys and how long those it cancels are kept. Throws as {@link
     * #connect(String)}.
     */
    public static JobfleetClient connect(RedisSettings settings, Retention retention) {
        return new JobfleetClient(Redis.connect(settings), retention);
    }

    /**
     * Enqueues one job: queued now, or scheduled when it has a delay or a run-at time. Its
     * idempotency key, priority, attempts, timeout and retry policy are {@link NewJob}'s {@code
     * with*} fields. A key (or job id) seen before with the same type and payload answers the
     * original job, {@link EnqueueResult.Status#REPLAYED}, and writes nothing.
     *
     * @throws io.jobfleet.common.error.IdempotencyConflictException when the key was used with
     *     another payload
     * @throws io.jobfleet.common.error.RedisOutOfMemoryException when Redis memory is full
     */
    public EnqueueResult enqueue(NewJob job) {
        return jobs.enqueue(job);
    }

    /** Enqueues jobs of one queue in one round trip per partition, with no depth limit: see {@link #enqueue(List, long)}. */
    public List<EnqueueResult> enqueue(List<NewJob> batch) {
        return enqueue(batch, 0);
    }

    /**
     * Enqueues jobs of one queue in one round trip per partition; each gets its own result (a
     * reused key with another payload is a {@code CONFLICT} result, not an exception). With {@code
     * maxDepth > 0} the batch is refused when it would take the pending list past that depth. On a
     * partitioned queue a partition that refuses its part answers its jobs {@code NOT_ENQUEUED}
     * while the others' go in: send those again.
     *
     * @throws IllegalArgumentException when the jobs name more than one queue
     * @throws io.jobfleet.common.error.QueueFullException when the queue is at {@code maxDepth} and
     *     nothing went in
     * @throws io.jobfleet.common.error.RedisOutOfMemoryException when Redis memory is full and
     *     nothing went in
     */
    public List<EnqueueResult> enqueue(List<NewJob> batch, long maxDepth) {
        return jobs.enqueue(batch, maxDepth);
    }

    /**
     * The job {@code id} of {@code queue}, empty when it never existed or its record expired. On a
     * partitioned queue the record's {@link JobRecord#queue()} is the partition it lives in.
     */
    public Optional<JobRecord> get(String queue, String id) {
        return jobs.get(queue, id);
    }

    /**
     * Cancels a queued, scheduled or running job at once (a running handler is interrupted and
     * nothing it reports afterwards is recorded); returns the state it was in, or CANCELLED when it
     * already was.
     *
     * @throws JobNotFoundException when there is no such job
     * @throws io.jobfleet.common.error.IllegalTransitionException when it already succeeded or is dead
     */
    public JobState cancel(String queue, String id) {
        return jobs.cancel(queue, id);
    }

    /**
     * Waits until the job has an outcome (SUCCEEDED, CANCELLED, or DEAD: a dead job may still be
     * redriven) and returns its record. It follows the job's event stream as the API's event
     * endpoint does: the job is watched from now on (its transitions are recorded for every
     * watcher), and the stream is read every 200 ms.
     *
     * @throws JobNotFoundException when there is no such job, or its record is purged meanwhile
     * @throws TimeoutException when it has no outcome within {@code timeout}
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public JobRecord awaitOutcome(String queue, String id, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String home = require(queue, id).queue(); // the partition whose scripts write its events
        events.watch(home, id);
        String last = events.lastId(home, id);
        long nextCheck = System.nanoTime(); // the record first: the job may have finished before the watch
        while (true) {
            boolean ended = false;
            for (EventStore.Event event : events.after(home, id, last, 100)) {
                last = event.id();
                ended |= "state".equals(event.fields().get("type"))
                        && isOutcome(event.fields().get("state"));
            }
            if (ended || System.nanoTime() - nextCheck >= 0) {
                JobRecord record = require(home, id);
                if (OUTCOMES.contains(record.state())) return record;
                nextCheck = System.nanoTime() + RECORD_CHECK.toNanos();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("job '" + id + "' of queue '" + queue + "' has no outcome after " + timeout);
            }
            Thread.sleep(Math.min(EVENT_POLL.toMillis(), left / 1_000_000 + 1));
        }
    }

    /** Stops workers claiming from {@code queue} (every partition); enqueue goes on. Workers notice at their next claim. */
    public void pause(String queue) {
        queues.pause(queue);
    }

    /** Lets workers claim from {@code queue} again. */
    public void resume(String queue) {
        queues.resume(queue);
    }

    /** The queue's jobs by state, summed over its partitions, with its oldest pending age and whether it is paused. */
    public QueueCounts counts(String queue) {
        return queues.counts(queue);
    }

    /** Every queue that has had a job enqueued, sorted by name. */
    public Set<String> queues() {
        return queues.queues();
    }

    /** The dead-letter queues: list, show, requeue, redrive and purge dead jobs. */
    public DeadLetterQueue deadLetters() {
        return deadLetters;
    }

    /** Closes the connection pool. Calls made afterwards fail. */
    @Override
    public void close() {
        redis.close();
    }

    private JobRecord require(String queue, String id) {
        return jobs.get(queue, id).orElseThrow(() -> new JobNotFoundException(queue, id));
    }

    private static boolean isOutcome(String state) {
        return state != null && OUTCOMES.contains(JobState.valueOf(state));
    }
}
