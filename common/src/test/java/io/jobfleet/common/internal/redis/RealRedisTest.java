package io.jobfleet.common.internal.redis;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.internal.job.ClaimedJob;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Base of the tests that talk to Redis: one real redis-server per test class ({@link #REDIS}: the
 * embedded 6.2, or {@code $JOBFLEET_TEST_REDIS}), flushed before every test, with fresh stores so no cached
 * state (the registered-queue set) leaks between tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RealRedisTest {
    protected static final String Q = "q1";
    /** The one partition of {@link #Q}: what the lease lifecycle works on. */
    protected static final Partition P = Partition.first(Q);

    protected static final Duration LONG_LEASE = Duration.ofMinutes(5);

    /** Flushed before every test; extra server options from {@link RedisServerExtension.Args}. */
    @RegisterExtension
    protected static final RedisServerExtension REDIS = RedisServerExtension.topology();

    protected EmbeddedRedis server;
    protected Redis redis;
    protected JobStore store;
    protected Leases leases;
    protected QueueStore queues;
    protected RawQueue raw;

    protected Retention retention() {
        return Retention.DEFAULT;
    }

    @BeforeEach
    void freshStores() {
        server = REDIS.server();
        redis = REDIS.redis();
        store = new JobStore(redis, retention());
        leases = new Leases(redis, retention());
        queues = new QueueStore(redis);
        raw = new RawQueue(redis, Q);
    }

    protected static ObjectNode payload(int n) {
        return JsonNodeFactory.instance.objectNode().put("n", n);
    }

    protected static NewJob job(int n) {
        return NewJob.of(Q, "test.job", payload(n));
    }

    protected String enqueue(int n) {
        return store.enqueue(job(n)).id();
    }

    /** Claims exactly one job of {@link #Q} and returns it. */
    protected ClaimedJob claimOne(Duration lease, String worker) {
        List<ClaimedJob> jobs = leases.claim(P, 1, lease, worker).jobs();
        if (jobs.size() != 1) throw new AssertionError("expected to claim one job, got " + jobs.size());
        return jobs.get(0);
    }

    protected ClaimedJob claimOne() {
        return claimOne(LONG_LEASE, "w1");
    }

    protected JobRecord record(String id) {
        return store.get(Q, id).orElseThrow(() -> new AssertionError("no job " + id));
    }

    protected static AttemptError error(int attempt, String message) {
        return AttemptError.of(attempt, new IllegalStateException(message), "w1");
    }

    /** The job as a worker holding its current token would see it (token 0 if never claimed). */
    protected ClaimedJob holder(String id) {
        JobRecord record = record(id);
        return new ClaimedJob(record, record.token());
    }

    /** Waits (polling the Redis clock, which leases and due times use) until server time is past {@code ms}. */
    protected void awaitServerTimePast(long ms) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (redis.serverTimeMs() <= ms) {
            if (System.nanoTime() > deadline) throw new AssertionError("Redis clock never passed " + ms);
            sleep(5);
        }
    }

    protected static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
