package io.jobfleet.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobfleet.common.internal.redis.EmbeddedRedis;
import io.jobfleet.common.internal.redis.JobStore;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Leases;
import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.common.job.Retention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One real redis-server per test class ({@link #REDIS}; options from {@link RedisServerExtension.Args}),
 * flushed before each test; workers started through
 * {@link #startWorker} get their own connection pool and are stopped after each test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WorkerTestBase {
    /** The class's own server (never the topology's shared one), flushed before each test. */
    @RegisterExtension
    protected static final RedisServerExtension REDIS =
            RedisServerExtension.ownServer().poolSize(64);

    protected EmbeddedRedis server;
    protected Redis redis;
    protected JobStore store;
    protected Leases leases;
    protected QueueStore queues;
    private final List<Worker> workers = new ArrayList<>();
    private final List<Redis> pools = new ArrayList<>();

    @BeforeEach
    void freshStores() {
        server = REDIS.server();
        redis = REDIS.redis();
        store = new JobStore(redis, Retention.DEFAULT);
        leases = new Leases(redis, Retention.DEFAULT);
        queues = new QueueStore(redis);
    }

    @AfterEach
    void stopWorkers() {
        workers.forEach(Worker::stop);
        workers.clear();
        pools.forEach(Redis::close);
        pools.clear();
    }

    /** A config with test-friendly timing (short grace, fast promotion); lease and reaping keep their defaults. */
    protected static WorkerConfig.Builder config(String id, String queueSpec) {
        return WorkerConfig.builder()
                .id(id)
                .queues(queueSpec)
                .concurrency(4)
                .shutdownGrace(Duration.ofMillis(500))
                .promoteEvery(Duration.ofMillis(20));
    }

    protected Worker startWorker(WorkerConfig config, Handlers handlers) {
        Redis pool = Redis.connect(RedisSettings.fromUrl(server.url()).withClientName(config.id()));
        pools.add(pool);
        Worker worker = new Worker(pool, config, handlers);
        workers.add(worker);
        worker.start();
        return worker;
    }

    protected String enqueue(NewJob job) {
        return store.enqueue(job).id();
    }

    protected List<String> enqueueMany(String queue, String type, JsonNode payload, int count) {
        List<String> ids = new ArrayList<>(count);
        List<NewJob> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(NewJob.of(queue, type, payload));
            if (batch.size() == 500 || i == count - 1) {
                store.enqueue(batch, 0).forEach(r -> ids.add(r.id()));
                batch.clear();
            }
        }
        return ids;
    }

    protected JobRecord job(String queue, String id) {
        return store.get(queue, id).orElseThrow(() -> new AssertionError("job " + id + " is gone"));
    }

    protected QueueCounts counts(String queue) {
        return queues.counts(queue);
    }

    /** The pending list, claim end last. */
    protected List<String> pendingIds(String queue) {
        return TestRedis.raw(redis, j -> j.lrange(Keys.of(queue).pending(), 0, -1));
    }

    /** Nothing pending, running or scheduled. */
    protected boolean settled(String queue) {
        QueueCounts c = queues.counts(queue);
        return c.pending() == 0 && c.active() == 0 && c.scheduled() == 0;
    }

    protected static ObjectNode payload() {
        return JsonNodeFactory.instance.objectNode();
    }

    protected static ObjectNode ms(long ms) {
        return payload().put("ms", ms);
    }
}
