package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Redis;
import io.jobfleet.common.internal.redis.RedisSettings;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.worker.Handlers;
import io.jobfleet.worker.Worker;
import io.jobfleet.worker.WorkerConfig;
import io.jobfleet.worker.demo.NoopHandler;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Queue views and operator actions over HTTP: depths of every queue, one queue with its
 * counters and workers, 404 for a queue never used, and pause/resume (admin) flipping the
 * paused flag that workers obey.
 */
class QueueRoutesTest extends ApiTestBase {
    private static final String JOB = "{\"type\":\"noop\"}";

    /** Queue names are new per test: the API registers a name once per process, and Redis is flushed per test. */
    private String a;

    private String b;
    private int tests;

    @BeforeEach
    void names() {
        a = "alpha" + tests;
        b = "beta" + tests++;
    }

    @Test
    void listsEveryQueueWithItsDepths() {
        for (int i = 0; i < 3; i++) enqueueId(a, JOB);
        enqueueId(b, JOB);
        enqueueId(b, "{\"type\":\"noop\",\"delaySeconds\":600}");

        Http.Response r = http.get("/v1/queues", READ);

        assertThat(r.status()).isEqualTo(200);
        JsonNode list = r.json().path("queues");
        assertThat(list.size()).isEqualTo(2);
        JsonNode first = list.get(0);
        JsonNode second = list.get(1);
        assertThat(first.path("queue").asText()).isEqualTo(a);
        assertThat(first.path("pending").asLong()).isEqualTo(3);
        assertThat(first.path("scheduled").asLong()).isZero();
        assertThat(first.path("active").asLong()).isZero();
        assertThat(first.path("dead").asLong()).isZero();
        assertThat(first.path("paused").asBoolean()).isFalse();
        assertThat(first.path("oldestPendingAgeMs").asLong()).isNotNegative();
        assertThat(first.path("workers").isArray()).isTrue();
        assertThat(second.path("queue").asText()).isEqualTo(b);
        assertThat(second.path("pending").asLong()).isEqualTo(1);
        assertThat(second.path("scheduled").asLong()).isEqualTo(1);
    }

    @Test
    void showsOneQueueAnd404ForAnUnknownOne() {
        enqueueId(a, JOB);

        Http.Response known = http.get("/v1/queues/" + a, READ);
        Http.Response unknown = http.get("/v1/queues/never-used", READ);

        assertThat(known.status()).isEqualTo(200);
        assertThat(known.json().path("pending").asLong()).isEqualTo(1);
        assertThat(known.json().path("stats").isObject()).isTrue();
        assertError(unknown, 404, "queue_not_found");
    }

    @Test
    void showsEveryWaitingJobAndEachLimitWithItsUsageAsTheCliDoes() {
        enqueueId(a, JOB);
        Keys k = Keys.of(a);
        TestRedis.raw(redis, j -> j.zadd(k.prioritized(), 1.0, "p1"));
        TestRedis.raw(redis, j -> j.hset(k.groups(), "t1", "3"));
        TestRedis.raw(redis, j -> j.zadd(k.throttled(), 1.0, "key:t1"));
        TestRedis.raw(redis, j -> j.rpush(k.parked("key:t1"), "x1"));
        TestRedis.raw(redis, j -> j.hset(k.limits(), "c:key:*", "1"));
        TestRedis.raw(redis, j -> j.sadd(k.running("key:t1"), "r1"));
        TestRedis.raw(redis, j -> j.hset(k.throttledBy(), "key:t1", "5"));

        JsonNode q = http.get("/v1/queues/" + a + "?byPartition=true", READ).json();

        assertThat(q.path("pending").asLong())
                .as("list 1 + prioritized 1 + grouped 3 + parked 1")
                .isEqualTo(6);
        assertThat(q.path("prioritized").asLong()).isEqualTo(1);
        assertThat(q.path("grouped").asLong()).isEqualTo(3);
        assertThat(q.path("parked").asLong()).isEqualTo(1);
        assertThat(q.path("byPartition").get(0).path("grouped").asLong()).isEqualTo(3);
        JsonNode limits = q.path("limits");
        assertThat(limits.size()).isEqualTo(2);
        assertThat(limits.get(0).path("scope").asText()).isEqualTo("key:*");
        assertThat(limits.get(0).has("used")).isFalse();
        JsonNode tenant = limits.get(1);
        assertThat(tenant.path("scope").asText()).isEqualTo("key:t1");
        assertThat(tenant.path("kind").asText()).isEqualTo("concurrency");
        assertThat(tenant.path("from").asText()).isEqualTo("key:*");
        assertThat(tenant.path("used").asLong()).isEqualTo(1);
        assertThat(tenant.path("usage").asDouble()).isEqualTo(1.0);
        assertThat(tenant.path("throttled").asLong()).isEqualTo(5);
    }

    @Test
    void showsTheWorkersServingAQueue() {
        enqueueId(a, JOB);
        WorkerConfig config = WorkerConfig.builder()
                .id("queue-view-worker")
                .queues(a)
                .concurrency(3)
                .shutdownGrace(Duration.ofMillis(500))
                .build();
        try (Redis pool = Redis.connect(RedisSettings.fromUrl(TestRedis.url(server)))) {
            Worker worker = new Worker(pool, config, new Handlers().add(new NoopHandler()));
            worker.start();
            try {
                JsonNode view = awaitQueue(
                        a,
                        v -> v.path("workers").size() == 1
                                && v.path("pending").asLong() == 0
                                && v.path("stats").path("succeeded").asLong() == 1);
                JsonNode w = view.path("workers").get(0);
                assertThat(w.path("id").asText()).isEqualTo("queue-view-worker");
                assertThat(w.path("slots").asInt()).isEqualTo(3);
            } finally {
                worker.stop();
            }
        }
    }

    @Test
    void pauseAndResumeFlipThePausedFlag() {
        enqueueId(a, JOB);
        String pausedKey = Keys.of(a).paused();

        Http.Response paused = http.post("/v1/queues/" + a + "/pause", ADMIN, null);
        assertThat(paused.status()).isEqualTo(200);
        assertThat(paused.json().path("paused").asBoolean()).isTrue();
        assertThat(http.get("/v1/queues/" + a, READ).json().path("paused").asBoolean())
                .isTrue();
        assertThat(pausedFlag(pausedKey)).isTrue();

        Http.Response resumed = http.post("/v1/queues/" + a + "/resume", ADMIN, null);
        assertThat(resumed.status()).isEqualTo(200);
        assertThat(resumed.json().path("paused").asBoolean()).isFalse();
        assertThat(http.get("/v1/queues/" + a, READ).json().path("paused").asBoolean())
                .isFalse();
        assertThat(pausedFlag(pausedKey)).isFalse();
    }

    @Test
    void aPausedQueueStillTakesJobsButAWorkerClaimsNone() {
        assertThat(http.post("/v1/queues/" + a + "/pause", ADMIN, null).status())
                .isEqualTo(200);
        enqueueId(a, JOB);
        WorkerConfig config = WorkerConfig.builder()
                .id("paused-queue-worker")
                .queues(a)
                .shutdownGrace(Duration.ofMillis(500))
                .build();
        try (Redis pool = Redis.connect(RedisSettings.fromUrl(TestRedis.url(server)))) {
            Worker worker = new Worker(pool, config, new Handlers().add(new NoopHandler()));
            worker.start();
            try {
                sleep(1_000);
                assertThat(pendingDepth(a)).as("nothing claimed while paused").isEqualTo(1);
                assertThat(http.post("/v1/queues/" + a + "/resume", ADMIN, null).status())
                        .isEqualTo(200);
                awaitQueue(a, v -> v.path("stats").path("succeeded").asLong() == 1);
            } finally {
                worker.stop();
            }
        }
    }

    private boolean pausedFlag(String key) {
        return TestRedis.raw(redis, j -> j.exists(key));
    }

    private JsonNode awaitQueue(String queue, java.util.function.Predicate<JsonNode> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        JsonNode view;
        do {
            view = http.get("/v1/queues/" + queue, READ).json();
            if (condition.test(view)) return view;
            sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("queue " + queue + " never reached the expected state; last seen " + view);
    }
}
