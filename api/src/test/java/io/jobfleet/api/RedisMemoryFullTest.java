package io.jobfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.RedisServerExtension;
import io.jobfleet.common.internal.redis.TestRedis;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Redis out of memory (maxmemory, noeviction): enqueue answers 503 redis_out_of_memory with
 * Retry-After and writes nothing; the breaker stays closed, so reads, cancels and resume still
 * work (their scripts and commands start with a removal, which Redis allows when full).
 */
@Tag("single-server") // its own server: options, kill/restart; not run against Cluster or Sentinel
@RedisServerExtension.Args({"--maxmemory", "2mb"})
class RedisMemoryFullTest extends ApiTestBase {
    private static final String Q = "full";
    private static final String FILLER = "x".repeat(2_000);

    @AfterEach
    void unpin() {
        TestRedis.raw(redis, j -> j.configSet("maxmemory", "2mb"));
    }

    @Test
    void enqueueIs503AndWritesNothingWhileReadsAndCancelsGoOn() {
        String first = enqueueId(Q, job(0));
        assertThat(http.post("/v1/queues/" + Q + "/pause", ADMIN, null).status())
                .isEqualTo(200);
        fillUntilRefused();
        // pin it full: maxmemory under what is used, so client buffers going up and down cannot let a write through
        long used = Long.parseLong(redis.info("memory", "used_memory"));
        TestRedis.raw(redis, j -> j.configSet("maxmemory", Long.toString(used * 3 / 4)));
        Map<String, String> before = snapshot();

        for (int i = 0; i < 10; i++) {
            Http.Response single = enqueue(Q, job(i));
            assertError(single, 503, "redis_out_of_memory");
            assertThat(single.header("Retry-After")).matches("[1-9][0-9]*");
        }
        Http.Response batch = http.post(jobsPath(Q) + "/batch", SUBMIT, batch(5));
        assertError(batch, 503, "redis_out_of_memory");
        assertThat(snapshot()).as("Redis after refused enqueues").isEqualTo(before);

        Http.Response ready = http.get("/health/ready", null);
        assertThat(ready.status()).as("%s", ready).isEqualTo(200);
        assertThat(ready.json().path("circuitBreaker").asText())
                .as("memory full does not open the breaker")
                .isEqualTo("CLOSED");
        assertThat(http.get(jobPath(Q, first), READ).status()).isEqualTo(200);
        Http.Response cancel = http.post(jobPath(Q, first) + "/cancel", SUBMIT, null);
        assertThat(cancel.status()).as("cancel with memory full: %s", cancel).isEqualTo(200);
        assertThat(job(Q, first).path("state").asText()).isEqualTo("CANCELLED");
        Http.Response resume = http.post("/v1/queues/" + Q + "/resume", ADMIN, null);
        assertThat(resume.status()).as("resume with memory full: %s", resume).isEqualTo(200);
        assertThat(http.get("/v1/queues/" + Q, READ).json().path("paused").asBoolean())
                .isFalse();
    }

    private void fillUntilRefused() {
        for (int n = 0; n < 10_000; n++) {
            Http.Response r = http.post(jobsPath(Q) + "/batch", SUBMIT, batch(20));
            if (r.status() == 503) {
                assertError(r, 503, "redis_out_of_memory");
                return;
            }
            assertThat(r.status()).as("%s", r).isEqualTo(200);
        }
        throw new AssertionError("Redis never ran out of memory");
    }

    private static String job(int n) {
        return "{\"type\":\"big\",\"payload\":{\"n\":" + n + ",\"fill\":\"" + FILLER + "\"}}";
    }

    private static String batch(int size) {
        return IntStream.range(0, size)
                .mapToObj(RedisMemoryFullTest::job)
                .collect(Collectors.joining(",", "{\"jobs\":[", "]}"));
    }
}
